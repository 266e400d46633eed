package scriptcmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandsNotShadowed makes sure testscript really calls each of our
// commands: a built-in of the same name would win silently, and a check
// that uses it could never fail.
func TestCommandsNotShadowed(t *testing.T) {
	dir := t.TempDir()
	called := map[string]bool{}
	cmds := map[string]func(*testscript.TestScript, bool, []string){}
	var script strings.Builder
	for name := range Commands() {
		cmds[name] = func(*testscript.TestScript, bool, []string) { called[name] = true }
		script.WriteString(name + "\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "all.txtar"), []byte(script.String()), 0o644))
	// Run waits for the script, which testscript runs as a parallel subtest.
	t.Run("script", func(t *testing.T) {
		testscript.Run(t, testscript.Params{Dir: dir, Cmds: cmds})
	})
	for name := range Commands() {
		assert.True(t, called[name], "command %q is shadowed by a testscript built-in", name)
	}
}

// TestCommandsDocumented keeps doc.go's vocabulary in step with the table.
func TestCommandsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var documented []string
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "//\t"); ok && !strings.HasPrefix(rest, "\t") {
			documented = append(documented, strings.Fields(rest)[0])
		}
	}
	var registered []string
	for name := range Commands() {
		registered = append(registered, name)
	}
	slices.Sort(registered)
	assert.Equal(t, registered, documented, "doc.go must document every command, in order")
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:        "plain",
		`a\nb`:         "a\nb",
		`\x00\xff\t\r`: "\x00\xff\t\r",
		`back\\slash`:  `back\slash`,
		`nul\0`:        "nul\x00",
	} {
		got, err := unescape(in)
		require.NoError(t, err, in)
		assert.Equal(t, []byte(want), got, in)
	}
	for _, bad := range []string{`\`, `\x`, `\x1`, `\xzz`, `\q`} {
		_, err := unescape(bad)
		assert.Error(t, err, bad)
	}
}

func TestShow(t *testing.T) {
	assert.Equal(t, `"hello"`, Show([]byte("hello")))
	assert.Equal(t, "nothing (0 bytes)", Show(nil))
	bin := Show([]byte{0, 1, 0xff})
	assert.NotContains(t, bin, `"\x00`, "no quoted bytes above the dump")
	assert.Contains(t, bin, "in hex:\n  00000000  00 01 ff")
	digest := Show(append([]byte{0, 0, 0, 0x20}, make([]byte, 32)...))
	assert.Contains(t, digest, "00000020  00 00 00 00", "a 36-byte reply is dumped whole")
	long := Show([]byte(strings.Repeat("a", 500)))
	assert.Contains(t, long, "(500 bytes in all)")
}

func TestPatternIsDeterministicAndBinary(t *testing.T) {
	a, b := pattern(4096, 7), pattern(4096, 7)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, pattern(4096, 8))
	seen := map[byte]bool{}
	for _, c := range a {
		seen[c] = true
	}
	assert.Len(t, seen, 256, "every byte value should occur")
}

// TestPanickedKnowsRuntimeDeaths: every way the Go runtime reports a death
// is a crash; a program's own lines that merely mention a signal are not.
func TestPanickedKnowsRuntimeDeaths(t *testing.T) {
	for _, crash := range []string{
		"panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\n",
		"runtime: failed to create new OS thread (have 9 already; errno=11)\nfatal error: newosproc\n",
		"runtime/cgo: pthread_create failed: Resource temporarily unavailable\nSIGABRT: abort\nPC=0x7f3c m=0 sigcode=18446744073709551610\n",
		"goroutine 1 gp=0xc000002380 m=0 mp=0x6f5e20 [running]:\nmain.main()\n",
	} {
		assert.True(t, panicked([]byte(crash)), crash)
	}
	for _, fine := range []string{
		"SIGTERM: shutting down\n",
		"server: closing 3 goroutines [done]\n",
		"2026/12/07 listening failed: address in use\n",
	} {
		assert.False(t, panicked([]byte(fine)), fine)
	}
}
