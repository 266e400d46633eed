// Package lastrun keeps each lesson's last result, keyed by everything that
// decides it: the program's sources, and the checker (its suites and code).
// The progress view reads it and runs nothing.
package lastrun

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// State is how a kept result relates to the lesson folder as it is now.
type State int

const (
	// None: the lesson was never checked here.
	None State = iota
	// Fresh: the result was graded from these very sources by this checker.
	Fresh
	// Changed: the sources (or the checker) changed since the result.
	Changed
)

// Store keeps results in Dir. Checker identifies the checker that grades:
// a result graded by another checker is not fresh.
type Store struct {
	Dir     string
	Checker string
}

// entry is a kept result, with the key it was graded under.
type entry struct {
	Key    string         `json:"key"`
	Result results.Result `json:"result"`
}

// key is what decides a lesson's result.
func (s Store) key(l catalog.Lesson, dir string) (string, error) {
	sum, err := catalog.SourceSum(dir)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(s.Checker + "\n" + l.Dir() + "\n" + sum))
	return hex.EncodeToString(h[:]), nil
}

func (s Store) path(l catalog.Lesson, dir string) string {
	// Per lessons folder too: a learner may keep two copies of the course.
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	h := sha256.Sum256([]byte(abs))
	return filepath.Join(s.Dir, hex.EncodeToString(h[:8]), l.Dir()+".json")
}

// Save keeps res as the result of the lesson in dir. Only a whole grading
// is kept: not one interrupted, nor one of some checks only (the caller's
// to know).
func (s Store) Save(l catalog.Lesson, dir string, res results.Result) error {
	if res.Outcome == results.Interrupted {
		return nil
	}
	key, err := s.key(l, dir)
	if err != nil {
		return err
	}
	res.Checks = trim(res.Checks)
	data, err := json.Marshal(entry{Key: key, Result: res})
	if err != nil {
		return err
	}
	p := s.path(l, dir)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("keep the result: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "result-*.tmp")
	if err != nil {
		return fmt.Errorf("keep the result: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("keep the result: %w", err)
	}
	return os.Rename(tmp.Name(), p)
}

// trim drops the testscript logs, which the progress view never shows.
func trim(checks []results.Check) []results.Check {
	out := make([]results.Check, len(checks))
	for i, c := range checks {
		c.Log = ""
		out[i] = c
	}
	return out
}

// Load returns the lesson's last result and how it stands against dir as
// it is now. A result that cannot be read is as good as none.
func (s Store) Load(l catalog.Lesson, dir string) (results.Result, State) {
	f, err := os.Open(s.path(l, dir))
	if err != nil {
		return results.Result{}, None
	}
	defer f.Close()
	var e entry
	if err := json.NewDecoder(io.LimitReader(f, 64<<20)).Decode(&e); err != nil {
		return results.Result{}, None
	}
	key, err := s.key(l, dir)
	if err != nil || key != e.Key {
		return e.Result, Changed
	}
	return e.Result, Fresh
}

// Checker identifies the running checker by the SHA-256 of its own
// program: its suites are embedded in it, and any change of its code
// changes it too.
func Checker() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
