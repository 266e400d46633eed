//go:build !windows

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/lastrun"
	"github.com/socketlings/socketlings/checker/internal/report"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// settle is how long the folder must stay quiet after a save before the
// lesson is graded: an editor's save is often several writes and renames.
const settle = 150 * time.Millisecond

// runWatch grades a lesson on every save of a Go file in its folder, and
// when it passes, moves on to the next lesson. A save while the checks run
// stops them and starts again.
func runWatch(ctx context.Context, cfg config, args []string) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	fs.StringVar(&cfg.dir, "dir", cfg.dir, "the lesson folders are in `DIR`")
	fs.IntVar(&cfg.jobs, "jobs", cfg.jobs, "run `N` checks at once")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError{"watch: " + err.Error()}
	}
	if err := checkDir(cfg.dir); err != nil {
		return err
	}
	var l catalog.Lesson
	switch len(pos) {
	case 0:
		next, ok := nextLesson(cfg)
		if !ok {
			fmt.Fprintln(cfg.stdout, "Every lesson passes: nothing to watch. Name one to watch it anyway: go run ./checker watch lesson03")
			return nil
		}
		l = next
	case 1:
		var ok bool
		if l, ok = catalog.Find(pos[0]); !ok {
			return usageError{fmt.Sprintf("there is no lesson %q; the lessons are:\n%s", pos[0], lessonList())}
		}
	default:
		return usageError{"watch takes at most one lesson, such as: go run ./checker watch lesson03"}
	}

	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch for saves: %w", err)
	}
	defer w.Close()
	tty := false
	if f, ok := cfg.stdout.(*os.File); ok {
		tty = isTerminal(f)
	}
	v := watcher{cfg: cfg, w: w, tty: tty}
	first := true
	for {
		dir := filepath.Join(cfg.dir, l.Dir())
		if err := w.Add(dir); err != nil {
			return fmt.Errorf("watch %s: %w", dir, err)
		}
		if err := v.lesson(ctx, l, first); err != nil {
			return err
		}
		first = false
		_ = w.Remove(dir)
		next, ok := after(l, cfg.dir)
		if !ok {
			fmt.Fprintln(cfg.stdout, "\nThat was the last lesson: every lesson you watched passes. Well done.")
			return nil
		}
		fmt.Fprintf(cfg.stdout, "\nOn to lesson %02d, %s: read %s, then save %s to check it.\n",
			next.Number, next.Title, filepath.Join(cfg.dir, next.Dir(), "README.md"), filepath.Join(cfg.dir, next.Dir(), "main.go"))
		l = next
	}
}

// watcher grades the lesson being watched.
type watcher struct {
	cfg config
	w   *fsnotify.Watcher
	tty bool
}

// lesson grades l now (if now) and after every save, until it passes.
func (v watcher) lesson(ctx context.Context, l catalog.Lesson, now bool) error {
	saves := 0
	if !now {
		if err := v.waitSave(ctx); err != nil {
			return err
		}
		saves++
	}
	for {
		runCtx, cancel := context.WithCancel(ctx)
		type outcome struct {
			res results.Result
			err error
		}
		done := make(chan outcome, 1)
		if v.tty {
			fmt.Fprint(v.cfg.stdout, "\x1b[H\x1b[2J") // clear the screen
		} else if saves > 0 {
			fmt.Fprintln(v.cfg.stdout)
		}
		fmt.Fprintf(v.cfg.stdout, "%s grading %s …\n", time.Now().Format("15:04:05"), l.Name())
		go func() {
			res, err := gradeLesson(runCtx, v.cfg, l)
			done <- outcome{res, err}
		}()
		restart := false
		for !restart {
			select {
			case o := <-done:
				cancel()
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if o.err != nil {
					return o.err
				}
				v.show(l, o.res)
				if o.res.Outcome == results.Passed {
					return nil
				}
				fmt.Fprintf(v.cfg.stdout, "Watching %s: save to check again (Ctrl-C to stop; stuck? go run ./checker hint %s).\n",
					filepath.Join(v.cfg.dir, l.Dir()), l.Name())
				if err := v.waitSave(ctx); err != nil {
					return err
				}
				restart = true
			case ev, ok := <-v.w.Events:
				if !ok || !relevant(ev) {
					continue
				}
				// A save while the checks run: stop them, and start again
				// once the folder is quiet.
				cancel()
				<-done
				if err := v.settle(ctx); err != nil {
					return err
				}
				restart = true
			case err := <-v.w.Errors:
				cancel()
				<-done
				return fmt.Errorf("watching for saves: %w", err)
			case <-ctx.Done():
				cancel()
				<-done
				return ctx.Err()
			}
		}
		saves++
	}
}

// show prints the lesson's report in one piece.
func (v watcher) show(l catalog.Lesson, res results.Result) {
	var b bytes.Buffer
	report.Lesson(&b, l, res, report.Style{Color: v.cfg.color, Verbose: v.cfg.verbose})
	v.cfg.stdout.Write(b.Bytes())
	if res.Outcome == results.Passed {
		fmt.Fprintf(v.cfg.stdout, "Lesson %02d passes. Compare with the reference: go run ./checker solution %s\n", l.Number, l.Name())
	}
}

// waitSave waits for a save of a Go file, then for the folder to settle.
func (v watcher) waitSave(ctx context.Context) error {
	for {
		select {
		case ev, ok := <-v.w.Events:
			if !ok {
				return errors.New("watching for saves: the watch ended")
			}
			if relevant(ev) {
				return v.settle(ctx)
			}
		case err := <-v.w.Errors:
			return fmt.Errorf("watching for saves: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// settle returns once no save has come for the settle time: rapid saves
// are one.
func (v watcher) settle(ctx context.Context) error {
	t := time.NewTimer(settle)
	defer t.Stop()
	for {
		select {
		case ev := <-v.w.Events:
			if relevant(ev) {
				t.Reset(settle)
			}
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// relevant tells a change of a Go source file from an editor's scratch
// files (main.go~, .main.go.swp, 4913).
func relevant(ev fsnotify.Event) bool {
	base := filepath.Base(ev.Name)
	return strings.HasSuffix(base, ".go") && !strings.HasPrefix(base, ".") &&
		ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove|fsnotify.Chmod) != 0
}

// nextLesson is the first lesson that is not known to pass, as the
// progress view says it.
func nextLesson(cfg config) (catalog.Lesson, bool) {
	store := cfg.store()
	for _, l := range catalog.Lessons() {
		dir := filepath.Join(cfg.dir, l.Dir())
		if !isDir(dir) {
			continue
		}
		if res, state := store.Load(l, dir); state != lastrun.Fresh || !res.Done() || l.IsStub(dir) {
			return l, true
		}
	}
	return catalog.Lesson{}, false
}

// after is the lesson that follows l among those dir holds.
func after(l catalog.Lesson, dir string) (catalog.Lesson, bool) {
	for _, x := range catalog.Lessons() {
		if x.Number > l.Number && isDir(filepath.Join(dir, x.Dir())) {
			return x, true
		}
	}
	return catalog.Lesson{}, false
}
