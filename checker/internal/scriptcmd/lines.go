package scriptcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/socketlings/socketlings/checker/internal/results"
)

// maxLineRead bounds how much expectline reads while looking for a newline.
const maxLineRead = 64 << 10

func cmdExpectLine(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "expectline")
	usage(ts, len(args) == 2, "expectline NAME REGEXP")
	st := state(ts)
	re, err := regexp.Compile("^(?:" + args[1] + ")$")
	ts.Check(err)
	line, err := readLine(st, st.conn(ts, args[0]))
	pat := args[1]
	if len(pat) > 120 {
		pat = fmt.Sprintf("%s… (%d characters)", pat[:120], len(args[1]))
	}
	want := fmt.Sprintf("a line matching %#q", pat)
	switch {
	case err == nil && re.Match(line):
		return
	case err == nil:
		st.fail(ts, Failure{What: "the line received does not match", Got: Show(append(line, '\n')), Want: want})
	case errors.Is(err, io.EOF):
		st.fail(ts, Failure{What: "the connection was closed before a whole line arrived", Got: Show(line), Want: want})
	case errors.Is(err, os.ErrDeadlineExceeded):
		st.fail(ts, Failure{What: fmt.Sprintf("no whole line arrived within %s", idleTimeout), Got: Show(line), Want: want})
	default:
		st.fail(ts, Failure{What: fmt.Sprintf("reading a line failed: %v", err), Got: Show(line), Want: want})
	}
}

// readLine reads one byte at a time up to a newline, so that nothing after
// the line is consumed; it returns the line without "\n" (and "\r").
func readLine(st *State, c interface {
	Read([]byte) (int, error)
	SetReadDeadline(time.Time) error
}) ([]byte, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < maxLineRead {
		c.SetReadDeadline(st.deadline(idleTimeout))
		n, err := c.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return bytes.TrimSuffix(line, []byte("\r")), nil
			}
			line = append(line, b[0])
		}
		if err != nil {
			return line, err
		}
	}
	return line, fmt.Errorf("no newline in the first %d bytes", maxLineRead)
}

func cmdQuiet(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "quiet")
	usage(ts, len(args) == 2, "quiet NAME DURATION")
	st := state(ts)
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	c := st.conn(ts, args[0])
	// Asserting an absence needs a fixed wait: nothing else can say that a
	// byte will not come. Suites keep it short.
	c.SetReadDeadline(st.deadline(d))
	b := make([]byte, 4096)
	n, err := c.Read(b)
	c.SetReadDeadline(time.Time{})
	switch {
	case n > 0:
		st.fail(ts, Failure{What: fmt.Sprintf("bytes arrived on %s where none should", args[0]), Got: Show(b[:n]), Want: "nothing for " + d.String()})
	case errors.Is(err, os.ErrDeadlineExceeded):
		return
	case errors.Is(err, io.EOF):
		st.fail(ts, Failure{What: fmt.Sprintf("the connection %s was closed", args[0]), Want: "the connection to stay open, with nothing to read"})
	default:
		st.fail(ts, Failure{What: fmt.Sprintf("reading %s failed: %v", args[0], err)})
	}
}

func cmdSendGen(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sendgen")
	usage(ts, len(args) == 2, "sendgen NAME SIZE")
	st := state(ts)
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	c := st.conn(ts, args[0])
	data := printablePattern(size)
	for off := 0; off < len(data); off += 64 << 10 {
		c.SetWriteDeadline(st.deadline(idleTimeout))
		if _, err := c.Write(data[off:min(off+64<<10, len(data))]); err != nil {
			// A server that refuses the flood may close while we write;
			// what it answered is for the next command to check.
			return
		}
	}
}

func cmdTrickle(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "trickle")
	// -closes: the server is expected to hang up before the end; a write
	// that fails because it did ends the trickle, and what it answered is
	// for the next command to check.
	closes, args := leadingFlag(args, "-closes")
	usage(ts, len(args) == 3, "trickle [-closes] NAME TEXT INTERVAL")
	st := state(ts)
	data, err := unescape(args[1])
	ts.Check(err)
	every, err := time.ParseDuration(args[2])
	ts.Check(err)
	c := st.conn(ts, args[0])
	if tc, ok := c.(interface{ SetNoDelay(bool) error }); ok {
		tc.SetNoDelay(true)
	}
	for i := range data {
		if i > 0 {
			time.Sleep(every) // the point of a slow client is its slowness
		}
		c.SetWriteDeadline(st.deadline(idleTimeout))
		if _, err := c.Write(data[i : i+1]); err != nil {
			if closes && (isReset(err) || errors.Is(err, syscall.EPIPE)) {
				return
			}
			st.fail(ts, Failure{What: fmt.Sprintf("the connection failed after %d of %d bytes sent one at a time: %v", i, len(data), err),
				Sent: Show(data[:i])})
		}
	}
}

// printablePattern is size bytes of letters and digits, with no newline.
func printablePattern(size int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, size)
	for i := range b {
		b[i] = alphabet[(i*7+i/61)%len(alphabet)]
	}
	return b
}

func cmdOutLines(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "outlines")
	st := state(ts)
	out := ts.ReadFile("stdout")
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		got = nil
	}
	ok := len(got) == len(args) && (out == "" || strings.HasSuffix(out, "\n"))
	for i := 0; ok && i < len(args); i++ {
		re, err := regexp.Compile(`\A(?:` + args[i] + `)\z`)
		ts.Check(err)
		ok = re.MatchString(got[i])
	}
	if !ok {
		want := "nothing"
		if len(args) > 0 {
			want = fmt.Sprintf("exactly %d line(s), each ended by a newline: %s", len(args), strings.Join(args, " | "))
		}
		// The program has ended by now, on its own or when asked: that
		// is not what went wrong, so the kind is said here.
		st.fail(ts, Failure{Kind: results.WrongBytes, What: "stdout does not hold what the contract says, and nothing else (logs go to stderr)",
			Got: Show([]byte(out)), Want: want, Output: st.Output()})
	}
}
