package scriptcmd

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/proc"
	"github.com/socketlings/socketlings/checker/internal/results"
)

// serverEnd starts a shell script as a script's server, lets the script end
// (cleanup), and returns what EndFailure makes of it. wait says whether the
// server ends by itself before the script does; if not, the script prints a
// line once it is ready for signals.
func serverEnd(t *testing.T, script string, wait bool, prepare func(*State)) *Failure {
	t.Helper()
	st := NewState(context.Background(), "/bin/sh", "")
	ready, once := make(chan struct{}), sync.Once{}
	p, err := proc.Start(context.Background(), proc.Spec{Path: "/bin/sh", Args: []string{"-c", script},
		OnStdoutLine: func(string) { once.Do(func() { close(ready) }) }})
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	until := p.Done()
	if !wait {
		until = ready // its trap is set
	}
	select {
	case <-until:
	case <-time.After(10 * time.Second):
		t.Fatal("the shell neither ended nor said it was ready within 10s")
	}
	st.server = p
	st.afterStep() // the script's last step
	if prepare != nil {
		prepare(st)
	}
	st.cleanup()
	return st.EndFailure()
}

func TestEndFailure(t *testing.T) {
	t.Parallel()
	const trace = `echo "panic: boom" >&2; echo >&2; echo "goroutine 1 [running]:" >&2; exit 2`
	t.Run("a server still running is stopped and passes", func(t *testing.T) {
		assert.Nil(t, serverEnd(t, `trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done`, false, nil))
	})
	t.Run("a panic that finishes after SIGTERM is seen", func(t *testing.T) {
		f := serverEnd(t, `trap '`+trace+`' TERM; echo ready; while :; do sleep 0.05; done`, false, nil)
		require.NotNil(t, f)
		assert.Equal(t, results.Crashed, f.Kind)
	})
	t.Run("a panic fails even when the script stopped the server", func(t *testing.T) {
		f := serverEnd(t, trace, true, func(st *State) { st.stopAsked, st.judged = true, true })
		require.NotNil(t, f)
		assert.Equal(t, results.Crashed, f.Kind)
	})
	t.Run("a data race fails", func(t *testing.T) {
		f := serverEnd(t, `echo "WARNING: DATA RACE" >&2; exit 66`, true, func(st *State) { st.judged = true })
		require.NotNil(t, f)
		assert.Equal(t, results.Race, f.Kind)
	})
	t.Run("a server that ended by itself with a non-zero status fails", func(t *testing.T) {
		f := serverEnd(t, `exit 3`, true, nil)
		require.NotNil(t, f)
		assert.Equal(t, results.Exited, f.Kind)
		assert.Contains(t, f.What, "exit status 3")
	})
	t.Run("an end the script asked for or judged passes", func(t *testing.T) {
		assert.Nil(t, serverEnd(t, `exit 1`, true, func(st *State) { st.judged = true }))
		assert.Nil(t, serverEnd(t, `exit 1`, true, func(st *State) { st.stopAsked = true }))
	})
	t.Run("a server that ended by itself with status 0 passes", func(t *testing.T) {
		assert.Nil(t, serverEnd(t, `exit 0`, true, nil))
	})
}
