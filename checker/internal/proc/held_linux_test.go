package proc

import (
	"context"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeldShowsHandlersAtThePrint: a held program is stopped in its first
// write to stdout; what it had set up then is seen, and once released its
// line (without the filler) is collected as usual.
func TestHeldShowsHandlersAtThePrint(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ready")
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/ready").CombinedOutput()
	require.NoError(t, err, string(out))

	for _, tc := range []struct {
		name    string
		args    []string
		catches bool
	}{
		{"notify first", nil, true},
		{"notify late", []string{"-late"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ready := make(chan string, 1)
			p, err := Start(context.Background(), Spec{Path: bin, Args: tc.args, Held: true, Env: []string{"ONLY=this"},
				OnStdoutLine: func(l string) { ready <- l }})
			require.NoError(t, err)
			defer p.Kill()
			require.Eventually(t, func() bool {
				blocked, known := p.Printing()
				require.True(t, known, "/proc shows the program's system calls")
				return blocked
			}, 10*time.Second, 5*time.Millisecond, "blocked in its first write")
			// (Only SIGINT tells: Go handles SIGTERM from the start,
			// ignored or not.)
			got, err := p.Catches(syscall.SIGINT)
			require.NoError(t, err)
			assert.Equal(t, tc.catches, got, "a handler for SIGINT when it printed")
			select {
			case l := <-ready:
				t.Fatalf("a line came before Release: %q", l)
			default:
			}
			p.Release()
			select {
			case l := <-ready:
				assert.Equal(t, "listening on 127.0.0.1:1", l)
			case <-time.After(10 * time.Second):
				t.Fatal("no line after Release")
			}
			// The late one handles signals a moment after its line: a
			// signal sent before that kills it, the race that holding
			// finds every time.
			require.Eventually(t, func() bool {
				got, err := p.Catches(syscall.SIGINT)
				return err == nil && got
			}, 10*time.Second, 5*time.Millisecond)
			require.NoError(t, p.Signal(syscall.SIGTERM))
			exit, err := p.Wait(10 * time.Second)
			require.NoError(t, err)
			assert.Equal(t, "exit status 0", exit.String())
			assert.Equal(t, "listening on 127.0.0.1:1\n", string(p.Stdout.Bytes()))
			assert.Equal(t, "ONLY=this\n", string(p.Stderr.Bytes()), "the environment given, nothing of the wrappers'")
		})
	}
}
