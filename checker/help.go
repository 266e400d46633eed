//go:build !windows

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/lastrun"
	"github.com/socketlings/socketlings/checker/internal/report"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// oneLesson parses a subcommand's arguments: exactly one lesson, and the
// subcommand's own flags (and -dir) before or after it.
func oneLesson(cfg *config, fs *flag.FlagSet, args []string) (catalog.Lesson, error) {
	fs.SetOutput(cfg.stderr)
	fs.StringVar(&cfg.dir, "dir", cfg.dir, "the lesson folders are in `DIR`")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return catalog.Lesson{}, usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	if len(pos) != 1 {
		return catalog.Lesson{}, usageError{fmt.Sprintf("%s takes one lesson, such as: go run ./checker %s lesson03", fs.Name(), fs.Name())}
	}
	l, ok := catalog.Find(pos[0])
	if !ok {
		return catalog.Lesson{}, usageError{fmt.Sprintf("there is no lesson %q; the lessons are:\n%s", pos[0], lessonList())}
	}
	return l, nil
}

// runHint shows the lesson's guide one level more each time it is asked:
// the concept, then the Go API, then the shape of the code.
func runHint(cfg config, args []string) error {
	fs := flag.NewFlagSet("hint", flag.ContinueOnError)
	l, err := oneLesson(&cfg, fs, args)
	if err != nil {
		return err
	}
	if len(l.Guide) == 0 {
		fmt.Fprintf(cfg.stdout, "lesson %02d has no hints yet: its README's \"Step-by-step tasks\" is the guide.\n", l.Number)
		return nil
	}
	levels := hintLevels{path: filepath.Join(cfg.store().Dir, "hints", dirKey(cfg.dir)+".json")}
	shown := min(levels.get(l)+1, len(l.Guide))
	if err := levels.set(l, shown); err != nil {
		fmt.Fprintf(cfg.stderr, "checker: could not remember the hint level: %v\n", err)
	}
	st := report.Style{Color: cfg.color}
	names := []string{"the idea", "the Go API", "the shape of the code"}
	fmt.Fprintf(cfg.stdout, "%s %s\n", st.Bold(fmt.Sprintf("lesson %02d · %s", l.Number, l.Slug)), st.Dim(fmt.Sprintf("— hint %d of %d", shown, len(l.Guide))))
	for i := range shown {
		name := fmt.Sprintf("hint %d", i+1)
		if i < len(names) {
			name = names[i]
		}
		fmt.Fprintf(cfg.stdout, "\n%d. %s\n%s\n", i+1, st.Bold(name), indentText(l.Guide[i], "   "))
	}
	fmt.Fprintln(cfg.stdout)
	if shown < len(l.Guide) {
		fmt.Fprintf(cfg.stdout, "Stuck still? `go run ./checker hint %s` once more gives the next one.\n", l.Name())
	} else {
		fmt.Fprintf(cfg.stdout, "That is all the help there is. The reference solution opens once the lesson passes: `go run ./checker solution %s`.\n", l.Name())
	}
	return nil
}

// hintLevels remembers, per lessons folder, how many hints each lesson has
// shown.
type hintLevels struct{ path string }

func (h hintLevels) load() map[string]int {
	m := map[string]int{}
	if data, err := os.ReadFile(h.path); err == nil {
		_ = json.Unmarshal(data, &m) // a broken file starts again at the first hint
	}
	return m
}

func (h hintLevels) get(l catalog.Lesson) int { return h.load()[l.Dir()] }

func (h hintLevels) set(l catalog.Lesson, n int) error {
	m := h.load()
	m[l.Dir()] = n
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(h.path, data, 0o644)
}

// dirKey names a lessons folder by its absolute path.
func dirKey(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:8])
}

// indentText wraps s at 80 columns, each line after prefix.
func indentText(s, prefix string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(s), "\n") {
		line := prefix
		for _, word := range strings.Fields(para) {
			if len(line) > len(prefix) && len(line)+1+len(word) > 80 {
				b.WriteString(line + "\n")
				line = prefix
			}
			if len(line) > len(prefix) {
				line += " "
			}
			line += word
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// runReset puts the lesson's stub back, after moving the learner's Go files
// to a backup folder it names.
func runReset(cfg config, args []string) error {
	fs := flag.NewFlagSet("reset", flag.ContinueOnError)
	l, err := oneLesson(&cfg, fs, args)
	if err != nil {
		return err
	}
	if err := checkDir(cfg.dir); err != nil {
		return err
	}
	dir := filepath.Join(cfg.dir, l.Dir())
	stub, err := l.Stub()
	if err != nil {
		return err
	}
	if l.IsStub(dir) {
		fmt.Fprintf(cfg.stdout, "%s already holds the untouched stub: nothing to do.\n", dir)
		return nil
	}
	mine, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	backup := ""
	if len(mine) > 0 {
		backup = filepath.Join(cfg.dir, ".backup", l.Dir()+"-"+time.Now().Format("20060102-150405"))
		if err := os.MkdirAll(backup, 0o755); err != nil {
			return fmt.Errorf("make the backup folder: %w", err)
		}
		for _, f := range mine {
			if err := os.Rename(f, filepath.Join(backup, filepath.Base(f))); err != nil {
				return fmt.Errorf("back up %s: %w", f, err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range stub {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("put the stub back: %w", err)
		}
	}
	fmt.Fprintf(cfg.stdout, "%s holds the lesson's stub again.\n", dir)
	if backup != "" {
		fmt.Fprintf(cfg.stdout, "Your files are in %s (Go ignores folders whose name starts with a dot).\n", backup)
	}
	return nil
}

// runSolution shows the reference solution as a diff against the learner's
// program, once the lesson has passed (or with --force).
func runSolution(cfg config, args []string) error {
	fs := flag.NewFlagSet("solution", flag.ContinueOnError)
	force := fs.Bool("force", false, "show it although the lesson has not passed")
	l, err := oneLesson(&cfg, fs, args)
	if err != nil {
		return err
	}
	if err := checkDir(cfg.dir); err != nil {
		return err
	}
	dir := filepath.Join(cfg.dir, l.Dir())
	course, err := courseRoot()
	if err != nil {
		return usageError{"solution: run it from the course's folder (where its go.mod is)"}
	}
	ref := filepath.Join(course, "solutions", l.Dir())
	res, state := cfg.store().Load(l, dir)
	passed := state == lastrun.Fresh && res.Outcome == results.Passed
	if !passed && !*force {
		fmt.Fprintf(cfg.stdout, "The reference solution of lesson %02d opens once your program passes: run `go run ./checker %s` until it does.\n", l.Number, l.Name())
		fmt.Fprintf(cfg.stdout, "Stuck? `go run ./checker hint %s` helps a step at a time. To look anyway: `go run ./checker solution %s --force`.\n", l.Name(), l.Name())
		return errFailed
	}
	names, err := filepath.Glob(filepath.Join(ref, "*.go"))
	if err != nil || len(names) == 0 {
		return fmt.Errorf("no reference solution at %s (the course's solutions/ folder)", ref)
	}
	if passed {
		fmt.Fprintf(cfg.stdout, "Lesson %02d passes. The reference solution, as a diff from your program to it (- yours, + the reference):\n\n", l.Number)
	} else {
		fmt.Fprintf(cfg.stdout, "Lesson %02d has not passed yet; as asked, the reference solution, as a diff from your program to it (- yours, + the reference):\n\n", l.Number)
	}
	same := true
	for _, n := range names {
		base := filepath.Base(n)
		theirs, err := os.ReadFile(n)
		if err != nil {
			return err
		}
		yours, err := os.ReadFile(filepath.Join(dir, base))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if d := diff.Diff("yours/"+base, yours, "reference/"+base, theirs); len(d) > 0 {
			same = false
			cfg.stdout.Write(d)
		}
	}
	if same {
		fmt.Fprintln(cfg.stdout, "Your program is the reference, byte for byte.")
	}
	fmt.Fprintf(cfg.stdout, "\nThe reference solution is in %s\n", ref)
	return nil
}
