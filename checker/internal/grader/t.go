package grader

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptT is the checker's own testscript.T: it runs each script to the end
// in a goroutine and records whether it failed or skipped, and its log.
type scriptT struct {
	verbose bool

	mu      sync.Mutex
	log     strings.Builder
	failed  bool
	skipped bool
	panic   any
}

var _ testscript.T = (*scriptT)(nil)

func (t *scriptT) Skip(args ...any) {
	t.Log(args...)
	t.mu.Lock()
	t.skipped = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *scriptT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}

func (t *scriptT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

func (t *scriptT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintln(&t.log, args...)
}

// Parallel does nothing: the grader runs one script per RunT call and
// decides itself how many run at once.
func (t *scriptT) Parallel() {}

func (t *scriptT) Verbose() bool { return t.verbose }

// Run runs f to completion on its own goroutine, as testing.T does, so that
// FailNow (runtime.Goexit) ends only the script. A panic in a command is
// kept as a failure instead of taking the checker down.
func (t *scriptT) Run(_ string, f func(testscript.T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.mu.Lock()
				t.failed = true
				t.panic = r
				t.mu.Unlock()
			}
		}()
		f(t)
	}()
	<-done
}
