package classroom

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// hiddenClass is a class of one submission that passed every check of
// lesson 1 but echo_large, which the rubric hides.
func hiddenClass(t *testing.T) (Class, Result) {
	t.Helper()
	l, ok := catalog.Find("1")
	require.True(t, ok)
	scripts, err := l.Scripts()
	require.NoError(t, err)
	lr := results.Result{Lesson: l.Dir(), Outcome: results.Failed}
	for _, s := range scripts {
		o := results.Passed
		if s.Name == "echo_large" {
			o = results.Failed
		}
		lr.Checks = append(lr.Checks, results.Check{Name: s.Name, Outcome: o})
	}
	r := Result{Submission: Submission{Name: "alice", Original: "alice"}, Lessons: []results.Result{lr}}
	return Class{Provenance: Provenance{Lessons: []int{1}}, Results: []Result{r},
		Rubric: Rubric{Lessons: map[string]LessonRubric{"1": {Checks: map[string]CheckRubric{"echo_large": {Hidden: true}}}}}}, r
}

func TestGradescopeHidesTheTotalWithHiddenChecks(t *testing.T) {
	class, r := hiddenClass(t)
	g := class.Gradescope(r)
	assert.Equal(t, "after_published", g.Visibility, "the total must not show what a hidden check did")
	hidden := 0
	for _, tc := range g.Tests {
		if tc.Visibility == "after_published" {
			hidden++
			assert.Contains(t, tc.Name, "echo_large")
			continue
		}
		assert.Equal(t, "visible", tc.Visibility, "a test that is not hidden overrides the results' visibility")
	}
	assert.Equal(t, 1, hidden)

	class.Rubric = Rubric{}
	assert.Equal(t, "visible", class.Gradescope(r).Visibility)
}

func TestClassroomLeavesHiddenChecksOut(t *testing.T) {
	class, r := hiddenClass(t)
	p := class.Classroom(r)
	assert.Equal(t, "pass", p.Status, "a failed hidden check must not show in the job's status")
	var sum float64
	for _, tc := range p.Tests {
		assert.NotContains(t, tc.Name, "echo_large")
		sum += tc.Score
	}
	hidden := class.Rubric.CheckPoints(catalog.Lessons()[0])["echo_large"]
	require.Greater(t, hidden, 0.0)
	assert.InDelta(t, class.MaxTotal()-hidden, p.MaxScore, 0.001)
	assert.InDelta(t, p.MaxScore, sum, 0.001, "every check shown passed: full points of what is shown")
}
