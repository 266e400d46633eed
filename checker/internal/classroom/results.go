package classroom

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// FormatVersion is the version of the JSON results this package writes.
const FormatVersion = 2

// Provenance says what produced a grade, so that it can be reproduced.
type Provenance struct {
	Checker      string `json:"checker"` // the checker's version (VCS revision when known)
	GoVersion    string `json:"go_version"`
	SuitesSHA256 string `json:"suites_sha256"`
	Seed         uint64 `json:"seed"`
	Lessons      []int  `json:"lessons"`
}

// Result is one submission's grade.
type Result struct {
	Version    int              `json:"version"`
	Submission Submission       `json:"submission"`
	Provenance Provenance       `json:"provenance"`
	Error      string           `json:"error,omitempty"` // why it could not be graded at all
	Lessons    []results.Result `json:"lessons"`
	Duration   time.Duration    `json:"duration_ns"`
}

// Lesson returns the result for lesson number n, if graded.
func (r Result) Lesson(n int) (results.Result, bool) {
	l, ok := findLesson(n)
	if !ok {
		return results.Result{}, false
	}
	for _, lr := range r.Lessons {
		if lr.Lesson == l.Dir() {
			return lr, true
		}
	}
	return results.Result{}, false
}

func findLesson(n int) (catalog.Lesson, bool) {
	for _, l := range catalog.Lessons() {
		if l.Number == n {
			return l, true
		}
	}
	return catalog.Lesson{}, false
}

// writeJSON writes v to path atomically: a reader never sees half a file,
// and an interrupted run leaves either the old file or the new one.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(data, '\n'))
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// RecordedSeed is the seed of the results already in the report folder
// dir, if any.
func RecordedSeed(dir string) (uint64, bool) {
	files, _ := filepath.Glob(filepath.Join(dir, "results", "*.json"))
	for _, f := range files {
		if r, err := readResult(f); err == nil && r.Provenance.Seed != 0 {
			return r.Provenance.Seed, true
		}
	}
	return 0, false
}

func readResult(path string) (Result, error) {
	var r Result
	data, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}

// WriteResults writes a worker's lesson results to w, the pipe to the grade
// command.
func WriteResults(w io.Writer, res []results.Result) error {
	if err := json.NewEncoder(w).Encode(res); err != nil {
		return fmt.Errorf("send the results: %w", err)
	}
	return nil
}

// WriteGradescope writes Gradescope's results.json.
func WriteGradescope(path string, g Gradescope) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeJSON(path, g)
}
