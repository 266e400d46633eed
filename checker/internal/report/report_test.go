package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

func lesson(t *testing.T, name string) catalog.Lesson {
	l, ok := catalog.Find(name)
	assert.True(t, ok)
	return l
}

var failing = results.Result{
	Lesson: "02-tcp-echo-server", Outcome: results.Failed,
	Checks: []results.Check{
		{Name: "echo_hello", Title: "a short message comes back", Outcome: results.Passed, Duration: 5 * time.Millisecond},
		{Name: "echo_sizes", Title: "big messages come back", Outcome: results.Failed, Phase: "4 MiB",
			Failure: &results.Failure{What: "the echo stopped", Sent: "4194304 bytes", Got: "1024 bytes", Want: "all of them"},
			Hint:    `Loop ("A stream has no messages").`, Duration: 3 * time.Second},
		{Name: "eof_halfclose", Title: "EOF", Outcome: results.Failed,
			Failure: &results.Failure{What: "the echo stopped", Sent: "other", Got: "1024 bytes"}, Hint: "other hint"},
	},
}

func TestLessonPlain(t *testing.T) {
	var b bytes.Buffer
	Lesson(&b, lesson(t, "02"), failing, Style{})
	out := b.String()
	assert.NotContains(t, out, "\x1b[", "no colour unless asked")
	assert.Contains(t, out, "  ✓ echo_hello     a short message comes back 5ms\n")
	assert.Contains(t, out, "  ✗ echo_sizes     big messages come back 3.0s\n")
	for _, line := range []string{
		"      step:     4 MiB\n",
		"      problem:  the echo stopped\n",
		"      sent:     4194304 bytes\n",
		"      got:      1024 bytes\n",
		"      expected: all of them\n",
		"      hint:     Loop (\"A stream has no messages\").\n",
		"      problem:  the same as echo_sizes, above\n",
		"1 of 3 checks passed.\n",
	} {
		assert.Contains(t, out, line)
	}
	assert.NotContains(t, out, "other hint", "a repeated problem is shown once")
}

func TestLessonColour(t *testing.T) {
	var b bytes.Buffer
	Lesson(&b, lesson(t, "02"), failing, Style{Color: true})
	assert.Contains(t, b.String(), "\x1b[32m✓\x1b[0m")
	assert.Contains(t, b.String(), "\x1b[31m✗\x1b[0m")
}

func TestLessonBuildFailed(t *testing.T) {
	var b bytes.Buffer
	Lesson(&b, lesson(t, "03"), results.Result{Outcome: results.BuildFailed, BuildOutput: "main.go:5:2: declared and not used: x"}, Style{})
	assert.Contains(t, b.String(), "the program does not build:\n    main.go:5:2: declared and not used: x\n")
}

func TestProgress(t *testing.T) {
	all := []Status{
		{Lesson: lesson(t, "01"), Result: results.Result{Outcome: results.Passed}},
		{Lesson: lesson(t, "02"), Result: failing},
		{Lesson: lesson(t, "03"), Stub: true},
		{Lesson: lesson(t, "04"), Missing: true},
	}
	var b bytes.Buffer
	Progress(&b, "lessons", all, Style{})
	out := b.String()
	assert.Contains(t, out, "socketlings: 1 of 4 lessons done")
	assert.Contains(t, out, "✓ 01 socket-lifecycle")
	assert.Contains(t, out, "✗ 02 tcp-echo-server          1 of 3 checks pass")
	assert.Contains(t, out, "· 03 tcp-echo-client          not started")
	assert.Contains(t, out, "? 04 concurrent-server        folder missing")
	assert.Contains(t, out, "Next: lesson 02, An echo server with the net package.\n  read  lessons/02-tcp-echo-server/README.md\n  run   go run ./checker lesson02\n")
}

func TestLessonSkipped(t *testing.T) {
	var b bytes.Buffer
	Lesson(&b, lesson(t, "15"), results.Result{Outcome: results.Skipped, Error: "no namespace. To run it, run it as root."}, Style{})
	assert.Equal(t, "lesson 15 · icmp-ping — Ping over a raw socket\n  - skipped: no namespace. To run it, run it as root.\n", b.String())
}
