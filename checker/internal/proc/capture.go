package proc

import (
	"bytes"
	"sync"
)

// Capture is an io.Writer that keeps the first Limit bytes written to it and
// counts the rest, so a program that floods its output costs the checker a
// bounded amount of memory. It is safe for concurrent use.
//
// Capture also splits what it keeps into lines and offers each complete line
// to the OnLine callback, which is how a readiness line is noticed as soon as
// it is printed.
type Capture struct {
	Limit  int
	OnLine func(line string)

	mu      sync.Mutex
	buf     bytes.Buffer
	dropped int64
	partial []byte
}

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
	if c.OnLine != nil {
		c.partial = append(c.partial, keep...)
		for {
			i := bytes.IndexByte(c.partial, '\n')
			if i < 0 {
				break
			}
			line := string(bytes.TrimSuffix(c.partial[:i], []byte("\r")))
			c.partial = c.partial[i+1:]
			c.OnLine(line)
		}
	}
	return len(p), nil
}

// Bytes returns a copy of what was kept.
func (c *Capture) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes())
}

// Dropped reports how many bytes were written past the limit and not kept.
func (c *Capture) Dropped() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}
