package grader

import (
	"testing"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCouldNotRunWhicheverRanFirst: the report of a program that never
// gets ready is the same whichever check met it first. Here echo_hello ran
// first and met it, and server_ready, first in teaching order, was only
// blocked: server_ready shows the failure, echo_hello "could not run".
func TestCouldNotRunWhicheverRanFirst(t *testing.T) {
	l, ok := catalog.Find("lesson02")
	require.True(t, ok)
	const serve = "serve -addr 127.0.0.1:0"
	met := &results.Failure{Kind: results.NotReady, What: `the server exited (exit status 1) before printing "listening on HOST:PORT"`, Output: "its stderr"}
	checks := []results.Check{
		{Name: "server_ready", Outcome: results.Failed, Command: serve,
			Failure: &results.Failure{Kind: results.NotReady, What: "could not run: the program never got ready (see echo_hello)"}},
		{Name: "echo_hello", Outcome: results.Failed, Command: serve, Failure: met},
		{Name: "echo_sizes", Outcome: results.Failed, Command: serve,
			Failure: &results.Failure{Kind: results.NotReady, What: "could not run: the program never got ready (see echo_hello)"}},
		{Name: "usage_flag", Outcome: results.Passed},
	}
	couldNotRun(l, checks)
	assert.Equal(t, met.What, checks[0].Failure.What)
	assert.Equal(t, "its stderr", checks[0].Failure.Output)
	assert.Equal(t, "could not run: the program never got ready (see server_ready)", checks[1].Failure.What)
	assert.Equal(t, "could not run: the program never got ready (see server_ready)", checks[2].Failure.What)
	assert.Equal(t, results.Passed, checks[3].Outcome)
}
