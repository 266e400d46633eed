package classroom

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// RosterEntry is one learner of the class list: the name their submission
// goes by (a folder or archive name, or a GitHub user), with the ids a
// gradebook knows them by.
type RosterEntry struct {
	Submission string `json:"submission"`
	StudentID  string `json:"student_id"`
	Email      string `json:"email"`
}

// Roster is the class list.
type Roster []RosterEntry

// rosterColumns are the columns a roster has, in any order.
var rosterColumns = []string{"submission", "student_id", "email"}

// LoadRoster reads a CSV file whose header names the columns submission,
// student_id and email (in any order; no others).
func LoadRoster(path string) (Roster, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("roster %s: no header line (submission,student_id,email): %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(rosterColumns, h) {
			return nil, fmt.Errorf("roster %s: unknown column %q (the columns are %s)", path, h, strings.Join(rosterColumns, ", "))
		}
		col[h] = i
	}
	if _, ok := col["submission"]; !ok {
		return nil, fmt.Errorf("roster %s: no submission column", path)
	}
	var roster Roster
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return roster, nil
		}
		if err != nil {
			return nil, fmt.Errorf("roster %s: %w", path, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := RosterEntry{Submission: get("submission"), StudentID: get("student_id"), Email: get("email")}
		if e.Submission == "" {
			return nil, fmt.Errorf("roster %s, line %d: no submission name", path, line)
		}
		if key := strings.ToLower(e.Submission); seen[key] {
			return nil, fmt.Errorf("roster %s, line %d: %q is listed twice", path, line, e.Submission)
		} else {
			seen[key] = true
		}
		roster = append(roster, e)
	}
}

// find returns the roster entry of a submission: the one whose name is the
// submission's (its folder, or its archive without the extension), or the
// end of it after a "-" (GitHub Classroom names a learner's repository
// ASSIGNMENT-USER), in any case.
func (r Roster) find(sub Submission) (RosterEntry, bool) {
	name := strings.ToLower(archiveBase(sub.Original))
	if name == "" {
		name = strings.ToLower(sub.Name)
	}
	for _, e := range r {
		if strings.ToLower(e.Submission) == name {
			return e, true
		}
	}
	for _, e := range r {
		if strings.HasSuffix(name, "-"+strings.ToLower(e.Submission)) {
			return e, true
		}
	}
	return RosterEntry{}, false
}

// absent lists the roster's learners with no submission among rs.
func (r Roster) absent(rs []Result) []RosterEntry {
	var out []RosterEntry
	for _, e := range r {
		found := slices.ContainsFunc(rs, func(res Result) bool {
			got, ok := r.find(res.Submission)
			return ok && got == e
		})
		if !found {
			out = append(out, e)
		}
	}
	return out
}
