package proc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCaptureKeepsLimitAndCountsRest(t *testing.T) {
	c := &Capture{Limit: 10}
	n, err := c.Write([]byte("0123456789abcdef"))
	assert.NoError(t, err)
	assert.Equal(t, 16, n, "a capture never blocks or fails the writer")
	assert.Equal(t, "0123456789", string(c.Bytes()))
	assert.Equal(t, int64(6), c.Dropped())
}

func TestCaptureSeesLinesPastTheLimit(t *testing.T) {
	var lines []string
	c := &Capture{Limit: 8, OnLine: func(l string) { lines = append(lines, l) }}
	c.Write([]byte(strings.Repeat("x", 100) + "\nlisten"))
	c.Write([]byte("ing on 1.2.3.4:5\r\npart"))
	assert.Equal(t, []string{strings.Repeat("x", 100), "listening on 1.2.3.4:5"}, lines)
}

func TestCaptureCutsEndlessLines(t *testing.T) {
	var lines []string
	c := &Capture{Limit: 8, OnLine: func(l string) { lines = append(lines, l) }}
	for range 100 {
		c.Write([]byte(strings.Repeat("y", 1000)))
	}
	c.Write([]byte("\n"))
	assert.Len(t, lines, 1)
	assert.Len(t, lines[0], maxLine)
}

// TestCaptureTailAfterFlood: past the limit, the end of the output is still
// there, so a panic after a flood is seen.
func TestCaptureTailAfterFlood(t *testing.T) {
	c := &Capture{Limit: 1024}
	for range 10000 {
		c.Write([]byte("flood flood flood\n"))
	}
	c.Write([]byte("fatal error: newosproc\n\ngoroutine 1 [running]:\n"))
	assert.Len(t, c.Bytes(), 1024)
	assert.Contains(t, string(c.Tail()), "fatal error: newosproc")
	assert.LessOrEqual(t, len(c.Tail()), 16<<10)

	short := &Capture{Limit: 1024}
	short.Write([]byte("panic: boom\n"))
	assert.Equal(t, "panic: boom\n", string(short.Tail()))
}
