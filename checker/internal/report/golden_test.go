package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/results"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// failed is a check that failed as f says, with the hint grading gives it.
func failed(l catalog.Lesson, name, title string, f results.Failure) results.Check {
	return results.Check{Name: name, Title: title, Outcome: results.Failed, Failure: &f, Hint: l.HintFor(name, f.Kind)}
}

func passed(name, title string) results.Check {
	return results.Check{Name: name, Title: title, Outcome: results.Passed}
}

// TestGoldenKinds renders one report for each kind of failure, with the hint
// that the failure's kind picks, and compares it with testdata/golden.
// Run with -update to rewrite them, then read the diff.
func TestGoldenKinds(t *testing.T) {
	l02, l03, l04 := lesson(t, "02"), lesson(t, "03"), lesson(t, "04")
	ready := "the readiness line names the address really bound"
	cases := []struct {
		name   string
		lesson catalog.Lesson
		result results.Result
	}{
		{"build", l02, results.Result{Outcome: results.BuildFailed, BuildOutput: "main.go:12:2: declared and not used: conn"}},
		{"not-ready", l02, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l02, "server_ready", ready, results.Failure{Kind: results.NotReady,
				What: `the server did not print "listening on HOST:PORT" within 5s`, Sent: "started: program -addr 127.0.0.1:0",
				Want: "a line `listening on HOST:PORT` on stdout", Output: "its stderr:\n  | ready on 127.0.0.1:40000\n"}),
			failed(l02, "echo_hello", "a short message comes back byte for byte", results.Failure{Kind: results.NotReady,
				What: "could not run: the program never got ready (see server_ready)"}),
			failed(l02, "echo_sizes", "messages from 1 byte to 4 MiB come back byte for byte", results.Failure{Kind: results.NotReady,
				What: `the server did not print "listening on HOST:PORT" within 5s`, Output: "its stderr:\n  | ready on 127.0.0.1:40001\n"}),
			passed("usage_flag", "a flag the program does not know gets usage"),
		}}},
		{"crashed", l02, results.Result{Outcome: results.Failed, Checks: []results.Check{
			passed("server_ready", ready),
			failed(l02, "client_reset", "a client that aborts its connection does not take the server down", results.Failure{Kind: results.Crashed,
				What:   "the connection was reset (RST) instead of closed (FIN)",
				Output: "the server is no longer running (exit status 2)\nits stderr:\n  | panic: write tcp: connection reset by peer\n  | \n  | goroutine 1 [running]:\n  | main.main()\n  | \t./main.go:40 +0x1d4\n"}),
		}}},
		{"race", l04, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l04, "stats_exact", "the totals count every client and byte", results.Failure{Kind: results.Race,
				What: "the race detector found a data race in the server", Want: "every variable that several goroutines touch guarded by a mutex",
				Output: "the race report:\n  | WARNING: DATA RACE\n  | Write at 0x00c000012345 by goroutine 8:\n  |   main.handle()\n  |       ./main.go:31 +0x64\n"}),
		}}},
		{"exited", l02, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l02, "clients_sequential", "the server serves client after client", results.Failure{Kind: results.Exited,
				What:   "client 2 of 3 could not connect: connection refused",
				Output: "the server is no longer running (exit status 0)\nits stderr:\n  | served one client\n"}),
		}}},
		{"no-reply", l02, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l02, "echo_hello", "a short message comes back byte for byte", results.Failure{Kind: results.NoReply,
				What: "waited 3s for the reply, got 0 of the 5 bytes expected", Got: "nothing (0 bytes)", Want: `"hello"`}),
		}}},
		{"wrong-bytes", l02, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l02, "echo_boundaries", "bytes that arrive in odd pieces come back intact", results.Failure{Kind: results.WrongBytes,
				What: "the echo differs from what was sent at byte 3 of 8", Sent: "8 bytes in writes of 1",
				Got: "3 bytes:\n  00000000  61 62 63  |abc|", Want: "8 bytes:\n  00000000  61 62 63 00 ff 0a 64 65  |abc....de|"}),
		}}},
		{"reset", l02, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l02, "eof_halfclose", "when the client half-closes, the server sends back the rest and closes", results.Failure{Kind: results.Reset,
				What: "the connection was reset (RST) instead of closed (FIN)", Got: `"rest"`, Want: "an orderly close: read everything the peer sent, then close"}),
		}}},
		{"exit-status", l03, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l03, "client_refused", "a refused connection gives one line on stderr", results.Failure{Kind: results.ExitStatus,
				What: "the program ended with exit status 0, but this run must fail with exit status 1", Sent: "started: program -addr 127.0.0.1:1",
				Want: "exit status 1 and one line on stderr saying what went wrong", Output: "its stderr:\n  | dial tcp 127.0.0.1:1: connection refused\n"}),
		}}},
		{"output", l03, results.Result{Outcome: results.Failed, Checks: []results.Check{
			failed(l03, "error_early_close", "a server that closes before echoing everything is an error", results.Failure{Kind: results.Output,
				What: "the program wrote to stdout, where nothing was expected", Got: "Hello, wor", Want: "nothing on stdout"}),
			failed(l03, "echo_large", "a 100000-byte message is sent whole and echoed whole", results.Failure{Kind: results.Output,
				What: "stdout stops after 65536 of the 100001 bytes expected",
				Got:  `65536 bytes; from byte 65520: "OtXq3HRHKLwuVAMB"`, Want: `100001 bytes; from byte 65520: "OtXq3HRHKLwuVAMBsiQxMSXI1fBFVHGLuEyF9Zi1yCf2hYO9"`}),
		}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			Lesson(&b, c.lesson, c.result, Style{})
			path := filepath.Join("testdata", "golden", c.name+".txt")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./checker/internal/report -run TestGoldenKinds -update")
			assert.Equal(t, string(want), b.String())
		})
	}
}
