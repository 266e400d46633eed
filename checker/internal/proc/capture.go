package proc

import (
	"bytes"
	"sync"
)

// Capture is an io.Writer that keeps the first Limit bytes written to it and
// counts the rest, so a program that floods its output costs the checker a
// bounded amount of memory. It is safe for concurrent use.
//
// Capture also splits everything written, kept or not, into lines and
// offers each complete line to the OnLine callback, which is how a readiness
// line is noticed as soon as it is printed, even after a flood. Lines longer
// than maxLine are cut.
type Capture struct {
	Limit  int
	OnLine func(line string)

	mu      sync.Mutex
	buf     bytes.Buffer
	dropped int64
	partial []byte
	last    []byte // the last tailSize bytes written, kept or not
}

// tailSize is how much of the end of a flood Tail keeps: enough for a
// panic's first lines and the lines before the program's end.
const tailSize = 16 << 10

// Write keeps what fits under the limit and never fails, so the program
// writing to the pipe is never blocked by a full capture.
func (c *Capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := p
	if room := c.Limit - c.buf.Len(); len(keep) > room {
		if room < 0 {
			room = 0
		}
		keep = keep[:room]
		c.dropped += int64(len(p) - room)
	}
	c.buf.Write(keep)
	if c.dropped > 0 {
		if c.last == nil {
			// The first bytes past the limit: the tail starts from the
			// end of what was kept.
			c.last = bytes.Clone(c.buf.Bytes()[max(0, c.buf.Len()-tailSize):])
		}
		c.last = append(c.last, p[len(keep):]...)
		if len(c.last) > 2*tailSize { // trimmed now and then, not on every write
			c.last = append(c.last[:0], c.last[len(c.last)-tailSize:]...)
		}
	}
	if c.OnLine != nil {
		c.lines(p)
	}
	return len(p), nil
}

// maxLine bounds the memory an endless line can take.
const maxLine = 4096

func (c *Capture) lines(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.partial = append(c.partial, p[:min(len(p), max(0, maxLine-len(c.partial)))]...)
			return
		}
		c.partial = append(c.partial, p[:min(i, max(0, maxLine-len(c.partial)))]...)
		c.OnLine(string(bytes.TrimSuffix(c.partial, []byte("\r"))))
		c.partial = c.partial[:0]
		p = p[i+1:]
	}
}

// Bytes returns a copy of what was kept.
func (c *Capture) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// Tail returns a copy of the last bytes written (at most 16 KiB), kept or
// not: how a program that flooded its output ended.
func (c *Capture) Tail() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		b := c.buf.Bytes()
		return bytes.Clone(b[max(0, len(b)-tailSize):])
	}
	return bytes.Clone(c.last[max(0, len(c.last)-tailSize):])
}

// Dropped reports how many bytes were written past the limit and not kept.
func (c *Capture) Dropped() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}
