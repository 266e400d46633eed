package classroom

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Shard is one of N parts of a class: K in 1..N.
type Shard struct{ K, N int }

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard %q: want K/N, with 1 <= K <= N (such as 2/3)", s)
	}
	return Shard{ki, ni}, nil
}

// Has reports whether the submission belongs to the shard. A submission's
// shard depends on its row id alone, so every machine splits a class the
// same way.
func (s Shard) Has(sub Submission) bool {
	sum := sha256.Sum256([]byte(sub.Name))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(s.N)) == s.K-1
}

// Select keeps the submissions of the shard.
func (s Shard) Select(subs []Submission) []Submission {
	return slices.DeleteFunc(slices.Clone(subs), func(sub Submission) bool { return !s.Has(sub) })
}

// Merge joins the report folders of a class graded in shards (or in any
// parts) into one class, as one run over the whole class would have made
// it: every part must have been graded by the same checker, suites, seed,
// lessons and rubric, and no submission may appear twice.
func Merge(dirs []string) (Class, error) {
	var class Class
	if len(dirs) == 0 {
		return class, errors.New("merge: name the report folders of the shards")
	}
	seen := map[string]string{}
	for i, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, "report.json"))
		if err != nil {
			return class, fmt.Errorf("merge: %s is not a grade report folder: %w", dir, err)
		}
		var part Class
		if err := json.Unmarshal(data, &part); err != nil {
			return class, fmt.Errorf("merge: %s/report.json: %w", dir, err)
		}
		if part.Version != FormatVersion {
			return class, fmt.Errorf("merge: %s was written by another version of the checker (format %d, not %d)", dir, part.Version, FormatVersion)
		}
		if len(part.Missing) > 0 {
			return class, fmt.Errorf("merge: %s is an interrupted run (%d submissions not graded): finish it with --resume first", dir, len(part.Missing))
		}
		if i == 0 {
			class = Class{Version: part.Version, Provenance: part.Provenance, Rubric: part.Rubric, Roster: part.Roster}
		} else {
			r1, _ := json.Marshal(part.Roster)
			r2, _ := json.Marshal(class.Roster)
			if string(r1) != string(r2) {
				return class, fmt.Errorf("merge: %s was graded with another roster than %s", dir, dirs[0])
			}
			if !sameRun(part.Provenance, class.Provenance) || part.Provenance.Checker != class.Provenance.Checker {
				return class, fmt.Errorf("merge: %s was graded differently from %s (checker, suites, seed or lessons): give every shard the same --seed and checker", dir, dirs[0])
			}
			a, _ := json.Marshal(part.Rubric)
			b, _ := json.Marshal(class.Rubric)
			if string(a) != string(b) {
				return class, fmt.Errorf("merge: %s was graded with another rubric than %s", dir, dirs[0])
			}
		}
		for _, r := range part.Results {
			if other, dup := seen[r.Submission.Name]; dup {
				return class, fmt.Errorf("merge: submission %s is in both %s and %s", r.Submission.Name, other, dir)
			}
			seen[r.Submission.Name] = dir
			class.Results = append(class.Results, r)
		}
	}
	sortResults(class.Results)
	return class, nil
}

// sortResults orders a class's rows by their id, so that reports are the
// same whichever order submissions finished in, and however the class was
// split.
func sortResults(rs []Result) {
	slices.SortFunc(rs, func(a, b Result) int { return strings.Compare(a.Submission.Name, b.Submission.Name) })
}

// WriteMerged writes a merged class's reports into dir, as a single run
// writes them: the reports and each submission's results/NAME.json.
func (c Class) WriteMerged(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "results"), 0o755); err != nil {
		return fmt.Errorf("create report folder: %w", err)
	}
	for _, r := range c.Results {
		if err := writeJSON(filepath.Join(dir, "results", r.Submission.Name+".json"), r); err != nil {
			return err
		}
	}
	return c.WriteAll(dir)
}
