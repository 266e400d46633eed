package classroom

import (
	"encoding/json"
	"fmt"
	"os"
)

// ClassroomPayload is what GitHub Classroom's autograding reporter takes
// from a grading step (base64-encoded, in an environment variable named
// after the step): a status, the points there are, and a test a check with
// its points. The reporter adds up the tests' scores as the points it
// gives Classroom, and fails the job when the status is "fail".
type ClassroomPayload struct {
	Version  int             `json:"version"`
	Status   string          `json:"status"` // pass, fail or error
	MaxScore float64         `json:"max_score"`
	Tests    []ClassroomTest `json:"tests"`
}

// ClassroomTest is one check, as the reporter shows it.
type ClassroomTest struct {
	Name     string  `json:"name"`
	Status   string  `json:"status"` // pass, fail or error
	Score    float64 `json:"score"`
	Message  string  `json:"message,omitempty"`
	TestCode string  `json:"test_code,omitempty"`
}

// Classroom converts one submission's result. Classroom has no
// publication step: what the reporter gets, the learner sees at once, in
// the run's log and in the points. So checks the rubric hides are left
// out, points and all; the instructor's own grade run counts them.
func (c Class) Classroom(r Result) ClassroomPayload {
	p := ClassroomPayload{Version: 1, Status: "pass", MaxScore: round2(c.MaxTotal() - c.hiddenPoints())}
	if r.Error != "" {
		p.Status = "error"
	}
	for _, l := range c.lessons() {
		lr, ok := r.Lesson(l.Number)
		scripts, _ := l.Scripts()
		points := c.Rubric.CheckPoints(l)
		for _, s := range scripts {
			if c.Rubric.Hidden(l, s.Name) {
				continue
			}
			t := ClassroomTest{Name: l.Name() + " " + s.Name, Status: "fail"}
			check, passed, why := checkVerdict(r, lr, ok, s.Name)
			switch {
			case passed:
				t.Status, t.Score = "pass", points[s.Name]
			case why == "not graded":
				t.Message = "not graded: " + r.Error
			case why != "":
				t.Message = why
			default:
				t.Message = checkReport(l, lr, check)
			}
			if t.Status != "pass" && p.Status == "pass" {
				p.Status = "fail"
			}
			t.Message = Printable(t.Message)
			p.Tests = append(p.Tests, t)
		}
	}
	return p
}

// WriteClassroom writes the payload as JSON.
func WriteClassroom(path string, p ClassroomPayload) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
