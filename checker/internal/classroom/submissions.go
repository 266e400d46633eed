package classroom

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/socketlings/socketlings/checker/internal/catalog"
)

// Submission is one learner's work: a folder or an archive.
type Submission struct {
	Name   string `json:"name"`   // unique in the class, safe as a file name
	Source string `json:"source"` // the path the instructor gave
}

var lessonDir = regexp.MustCompile(`^\d\d-[a-z0-9-]+$`)

// looksLikeSubmission is true for a copy of the course (it has lessons/)
// or a lessons folder itself (it has NN-slug folders).
func looksLikeSubmission(dir string) bool {
	if fi, err := os.Stat(filepath.Join(dir, "lessons")); err == nil && fi.IsDir() {
		return true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() && lessonDir.MatchString(e.Name()) {
			return true
		}
	}
	return false
}

// Discover turns the command line's paths into submissions. A path is an
// archive, a submission folder, or a class folder whose every folder and
// archive is a submission.
func Discover(paths []string) ([]Submission, error) {
	var subs []Submission
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("submission %s: %w", p, err)
		}
		switch {
		case !fi.IsDir() && isArchive(p):
			subs = append(subs, Submission{Name: archiveBase(p), Source: p})
		case !fi.IsDir():
			return nil, fmt.Errorf("submission %s: not a folder, a .zip or a .tar.gz", p)
		case looksLikeSubmission(p):
			subs = append(subs, Submission{Name: filepath.Base(filepath.Clean(p)), Source: p})
		default:
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("read class folder: %w", err)
			}
			found := 0
			for _, e := range entries {
				full := filepath.Join(p, e.Name())
				if strings.HasPrefix(e.Name(), ".") {
					continue
				}
				if e.IsDir() {
					subs = append(subs, Submission{Name: e.Name(), Source: full})
					found++
				} else if isArchive(e.Name()) {
					subs = append(subs, Submission{Name: archiveBase(e.Name()), Source: full})
					found++
				}
			}
			if found == 0 {
				return nil, fmt.Errorf("%s holds no submission: no lessons folder, no folders, no archives", p)
			}
		}
	}
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	seen := map[string]int{}
	for i := range subs {
		name := safeName(subs[i].Name)
		seen[name]++
		if seen[name] > 1 {
			name = fmt.Sprintf("%s-%d", name, seen[name])
		}
		subs[i].Name = name
	}
	return subs, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	s = strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "._")
	if s == "" {
		s = "submission"
	}
	return s
}

// Prepare builds the workspace a submission is graded in: dir/go.mod and
// dir/go.sum from the course (never the submission's, which could point its
// imports anywhere) and dir/lessons/NN-slug for each lesson folder of the
// catalogue that the submission has. It unpacks archives into scratch
// first. The error is for the instructor: the archive was refused, or the
// submission could not be read.
func Prepare(sub Submission, course, dir, scratch string) error {
	root := sub.Source
	if isArchive(sub.Source) {
		if err := Unpack(sub.Source, scratch, DefaultLimits); err != nil {
			return err
		}
		root = scratch
	}
	// An archive of "alice/" or "alice/socketlings/": go down single folders.
	for range 3 {
		if looksLikeSubmission(root) {
			break
		}
		entries, err := os.ReadDir(root)
		if err != nil || len(entries) != 1 || !entries[0].IsDir() {
			break
		}
		root = filepath.Join(root, entries[0].Name())
	}
	if fi, err := os.Stat(filepath.Join(root, "lessons")); err == nil && fi.IsDir() {
		root = filepath.Join(root, "lessons")
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(course, f))
		if err != nil {
			return fmt.Errorf("read the course's %s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return err
		}
	}
	for _, l := range catalog.Lessons() {
		src := filepath.Join(root, l.Dir())
		if fi, err := os.Lstat(src); err != nil || !fi.IsDir() {
			continue // graded as missing
		}
		if err := copyLesson(src, filepath.Join(dir, "lessons", l.Dir())); err != nil {
			return fmt.Errorf("copy %s: %w", l.Dir(), err)
		}
	}
	return nil
}

// copyLesson copies the regular files of a lesson folder, not following
// links and not going into subfolders (a lesson is one package).
func copyLesson(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	var total int64
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		if total > DefaultLimits.MaxBytes {
			return &RefusedError{Reason: "the lesson folder is larger than the limit"}
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, fs.FileMode(0o644)); err != nil {
			return err
		}
	}
	return nil
}
