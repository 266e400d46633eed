package classroom

import (
	"crypto/sha256"
	"encoding/hex"
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
	// Name is the submission's row id: unique in the class, stable from
	// run to run, and safe as a file name (ASCII letters, digits, ".",
	// "_" and "-", at most 80 bytes).
	Name string `json:"name"`
	// Original is the folder's or archive's own name, any bytes.
	Original string `json:"original"`
	Source   string `json:"source"` // the path the instructor gave
}

var lessonDir = regexp.MustCompile(`^\d\d-[a-z0-9-]+$`)

// looksLikeSubmission is true for a copy of the course (it has lessons/)
// or a lessons folder itself (it has NN-slug folders).
func looksLikeSubmission(dir string) bool {
	// Lstat: a lessons link is a submission too, refused by Prepare with
	// the reason, never followed.
	if _, err := os.Lstat(filepath.Join(dir, "lessons")); err == nil {
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
			subs = append(subs, Submission{Name: filepath.Base(p), Source: p})
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
				if strings.HasPrefix(e.Name(), ".") || macJunk(e.Name()) {
					continue // hidden, or what macOS adds to the archives it makes
				}
				if e.IsDir() {
					subs = append(subs, Submission{Name: e.Name(), Source: full})
					found++
				} else if isArchive(e.Name()) {
					subs = append(subs, Submission{Name: e.Name(), Source: full})
					found++
				}
			}
			if found == 0 {
				return nil, fmt.Errorf("%s holds no submission: no lessons folder, no folders, no archives", p)
			}
		}
	}
	assignIDs(subs)
	return subs, nil
}

// assignIDs turns each submission's Name, still its original name, into
// its row id. A name that is already safe and short keeps itself (an
// archive loses its extension); any other becomes its safe part and a hash
// of the original, so the id depends on the name alone, not on the rest of
// the class. Two submissions that would share an id (alice/ and alice.zip)
// are told apart the same way, the first in name order keeping the plain
// id.
func assignIDs(subs []Submission) {
	for i := range subs {
		subs[i].Original = subs[i].Name
	}
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].Original < subs[j].Original })
	taken := map[string]bool{}
	for i := range subs {
		orig := subs[i].Original
		base := orig
		if isArchive(orig) {
			base = archiveBase(orig)
		}
		id := safeName(base)
		if id != base || len(id) > maxIDBytes {
			id = hashed(id, orig)
		}
		if taken[id] {
			id = hashed(id, orig)
		}
		for n, first := 2, id; taken[id]; n++ { // two hashes alike: never seen
			id = fmt.Sprintf("%s-%d", first, n)
		}
		taken[id] = true
		subs[i].Name = id
	}
}

// maxIDBytes bounds a row id, so that every report's file name fits.
const maxIDBytes = 80

// hashed is id cut short enough, then a hash of the original name.
func hashed(id, orig string) string {
	sum := sha256.Sum256([]byte(orig))
	if len(id) > maxIDBytes-9 {
		id = id[:maxIDBytes-9]
	}
	return id + "-" + hex.EncodeToString(sum[:4])
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
	if fi, err := os.Lstat(filepath.Join(root, "lessons")); err == nil {
		if !fi.IsDir() {
			return &RefusedError{Folder: true, Reason: "lessons is a link or a file, not a folder: links are never followed out of a submission"}
		}
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
		fi, err := os.Lstat(src)
		if err != nil {
			continue // graded as missing
		}
		if !fi.IsDir() {
			return &RefusedError{Folder: true, Reason: fmt.Sprintf("lessons/%s is a link or a file, not a folder: links are never followed out of a submission", l.Dir())}
		}
		if err := copyLesson(src, filepath.Join(dir, "lessons", l.Dir())); err != nil {
			return fmt.Errorf("copy %s: %w", l.Dir(), err)
		}
	}
	return nil
}

// copyLesson copies the Go files of a lesson folder, regular files only:
// not following links, not going into subfolders (a lesson is one
// package), and never a go.mod, go.work or anything else that could change
// how it builds (the workspace has the course's go.mod).
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
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		if total > DefaultLimits.MaxBytes {
			return &RefusedError{Folder: true, Reason: "a lesson folder is larger than the limit"}
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
