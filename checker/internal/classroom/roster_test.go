package classroom

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/results"
)

func writeRoster(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "roster.csv")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestRosterColumnsAndMatching(t *testing.T) {
	_, err := LoadRoster(writeRoster(t, "submission,student_id,mail\nalice,1,a@x\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown column "mail"`)
	_, err = LoadRoster(writeRoster(t, "submission,student_id\nalice,1\nAlice,2\n"))
	assert.ErrorContains(t, err, "listed twice")

	r, err := LoadRoster(writeRoster(t, "\ufeffemail, submission,student_id\na@x,alice,1\nb@x,bob,2\nc@x,carol,3\n"))
	require.NoError(t, err)
	for name, want := range map[string]string{"alice": "1", "Alice.zip": "1", "echo-assignment-bob": "2", "carol.tar.gz": "3"} {
		e, ok := r.find(Submission{Name: name, Original: name})
		assert.True(t, ok, name)
		assert.Equal(t, want, e.StudentID, name)
	}
	_, ok := r.find(Submission{Name: "mallory", Original: "mallory"})
	assert.False(t, ok)

	class := Class{Provenance: Provenance{Lessons: []int{1}}, Roster: r, Results: []Result{
		{Submission: Submission{Name: "alice", Original: "alice"}, Lessons: []results.Result{{Lesson: "01-socket-lifecycle", Outcome: results.Passed}}},
		{Submission: Submission{Name: "mallory", Original: "mallory"}},
	}}
	var b bytes.Buffer
	require.NoError(t, class.WriteCSV(&b))
	assert.Equal(t, "submission,name,student_id,email,lesson01,total,max,note\n"+
		"alice,alice,1,a@x,0,0,10,\n"+ // (no checks in this made-up result)
		"mallory,mallory,,,0,0,10,\n"+
		",bob,2,b@x,0,0,10,no submission\n"+
		",carol,3,c@x,0,0,10,no submission\n", b.String())

	class.Shard = "1/2"
	assert.Empty(t, class.Absent(), "a shard's missing learners are in other shards")
}
