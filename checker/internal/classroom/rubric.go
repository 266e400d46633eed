package classroom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// Rubric weighs lessons and checks, and hides checks from learners. The
// instructor writes it as JSON:
//
//	{"lessons": {"1": {"points": 10, "checks": {"echo_large": {"weight": 3}}},
//	             "4": {"points": 20, "checks": {"stats_exact": {"hidden": true}}}}}
//
// A lesson is worth 10 points unless it says otherwise; within it, each
// check weighs 1 unless it says otherwise. A hidden check counts in the
// instructor's reports; Gradescope shows it, and the total, to the learner
// only after grades are published, and GitHub Classroom (which has no
// publication) never gets it.
type Rubric struct {
	Lessons map[string]LessonRubric `json:"lessons"`
}

// LessonRubric is one lesson's part of a rubric.
type LessonRubric struct {
	Points *float64               `json:"points,omitempty"`
	Checks map[string]CheckRubric `json:"checks,omitempty"`
}

// CheckRubric is one check's part.
type CheckRubric struct {
	Weight *float64 `json:"weight,omitempty"`
	Hidden bool     `json:"hidden,omitempty"`
}

// DefaultPoints is what a lesson is worth without a rubric.
const DefaultPoints = 10

// LoadRubric reads a rubric file and checks that it names only real lessons
// and checks.
func LoadRubric(path string) (Rubric, error) {
	var r Rubric
	data, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("read rubric: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelled "weigth" is an error, not ignored
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("rubric %s: %w", path, err)
	}
	for key, lr := range r.Lessons {
		l, ok := catalog.Find(key)
		if !ok {
			return r, fmt.Errorf("rubric %s: there is no lesson %q", path, key)
		}
		scripts, err := l.Scripts()
		if err != nil {
			return r, err
		}
		for name := range lr.Checks {
			found := false
			for _, s := range scripts {
				found = found || s.Name == name
			}
			if !found {
				return r, fmt.Errorf("rubric %s: lesson %s has no check %q", path, key, name)
			}
		}
		if lr.Points != nil && *lr.Points < 0 {
			return r, fmt.Errorf("rubric %s: lesson %s has negative points", path, key)
		}
	}
	return r, nil
}

func (r Rubric) lesson(l catalog.Lesson) LessonRubric {
	for key, lr := range r.Lessons {
		if found, ok := catalog.Find(key); ok && found.Number == l.Number {
			return lr
		}
	}
	return LessonRubric{}
}

// Points is what lesson l is worth.
func (r Rubric) Points(l catalog.Lesson) float64 {
	if p := r.lesson(l).Points; p != nil {
		return *p
	}
	return DefaultPoints
}

// Weight is check's weight within lesson l.
func (r Rubric) Weight(l catalog.Lesson, check string) float64 {
	if c, ok := r.lesson(l).Checks[check]; ok && c.Weight != nil {
		return *c.Weight
	}
	return 1
}

// Hidden reports whether a check is hidden from learners.
func (r Rubric) Hidden(l catalog.Lesson, check string) bool {
	return r.lesson(l).Checks[check].Hidden
}

// Score is a lesson's points for a result: the points of the checks it
// passed (CheckPoints). A lesson that does not build, is missing or was not
// graded scores 0.
func (r Rubric) Score(l catalog.Lesson, res results.Result, graded bool) float64 {
	if !graded {
		return 0
	}
	points := r.CheckPoints(l)
	var cents int64
	for _, c := range res.Checks {
		if c.Outcome == results.Passed {
			cents += int64(math.Round(points[c.Name] * 100))
		}
	}
	return float64(cents) / 100
}

// CheckPoints shares lesson l's points among its checks by weight, in
// whole cents that add up to exactly the lesson's points (the largest
// remainders get the cents that rounding down leaves over).
func (r Rubric) CheckPoints(l catalog.Lesson) map[string]float64 {
	scripts, err := l.Scripts()
	out := map[string]float64{}
	if err != nil || len(scripts) == 0 {
		return out
	}
	var total float64
	for _, s := range scripts {
		total += r.Weight(l, s.Name)
	}
	if total <= 0 {
		return out
	}
	all := int64(math.Round(r.Points(l) * 100))
	cents := make([]int64, len(scripts))
	rest := make([]float64, len(scripts))
	var given int64
	for i, s := range scripts {
		exact := float64(all) * r.Weight(l, s.Name) / total
		cents[i] = int64(math.Floor(exact))
		rest[i] = exact - float64(cents[i])
		given += cents[i]
	}
	order := make([]int, len(scripts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rest[order[a]] > rest[order[b]] })
	for k := 0; given < all && k < len(order); k++ {
		cents[order[k]]++
		given++
	}
	for i, s := range scripts {
		out[s.Name] = float64(cents[i]) / 100
	}
	return out
}

func round2(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	return v
}
