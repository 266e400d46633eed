//go:build unix

package scriptcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// maxPassedRead bounds what expectfd reads through a passed descriptor.
const maxPassedRead = 16 << 20

func cmdExpectFD(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "expectfd")
	usage(ts, len(args) == 3, "expectfd NAME REGEXP FILE")
	st := state(ts)
	re, err := regexp.Compile("^(?:" + args[1] + ")$")
	ts.Check(err)
	want, err := os.ReadFile(ts.MkAbs(args[2]))
	ts.Check(err)
	c, ok := st.conn(ts, args[0]).(*net.UnixConn)
	if !ok {
		ts.Fatalf("expectfd: %s is not a Unix socket connection (unixdial it)", args[0])
	}
	line, fds, err := readLineFDs(st, c)
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	wantLine := fmt.Sprintf("a line matching %#q carrying one open file descriptor (SCM_RIGHTS) of %s", args[1], args[2])
	switch {
	case errors.Is(err, io.EOF):
		st.fail(ts, Failure{What: "the connection was closed before a whole line arrived", Got: Show(line), Want: wantLine})
	case errors.Is(err, os.ErrDeadlineExceeded):
		st.fail(ts, Failure{What: fmt.Sprintf("no whole line arrived within %s", idleTimeout), Got: Show(line), Want: wantLine})
	case err != nil:
		st.fail(ts, Failure{What: fmt.Sprintf("reading a line failed: %v", err), Got: Show(line), Want: wantLine})
	case !re.Match(line):
		st.fail(ts, Failure{What: "the line received does not match", Got: Show(append(line, '\n')), Want: wantLine})
	case len(fds) == 0:
		st.fail(ts, Failure{What: "the reply line came with no file descriptor",
			Got:  Show(append(line, '\n')) + ", and no ancillary data",
			Want: "the descriptor as SCM_RIGHTS ancillary data (unix.UnixRights) sent in the same WriteMsgUnix as the line"})
	case len(fds) > 1:
		st.fail(ts, Failure{What: fmt.Sprintf("the reply line came with %d file descriptors", len(fds)),
			Got: Show(append(line, '\n')), Want: "exactly one descriptor: the file asked for"})
	}
	fd := fds[0]
	fds = nil // the file below owns it now
	f := os.NewFile(uintptr(fd), "passed")
	defer f.Close()
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	ts.Check(err)
	if flags&unix.O_ACCMODE != unix.O_RDONLY {
		st.fail(ts, Failure{What: "the descriptor passed was opened for writing",
			Want: "a descriptor opened read-only (os.Open): the client may read the file, not change it"})
	}
	got, err := io.ReadAll(io.LimitReader(f, maxPassedRead))
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("reading through the descriptor passed failed: %v", err),
			Want: "a descriptor of the open file, readable"})
	}
	if !bytes.Equal(got, want) {
		st.fail(ts, Failure{What: fmt.Sprintf("reading through the descriptor passed gave %d bytes, not the %d of %s", len(got), len(want), args[2]),
			Got: Show(got), Want: Show(want) + ", the whole file from its first byte"})
	}
}

// readLineFDs reads one line from c one byte at a time, keeping every file
// descriptor that comes with it. The kernel hands a message's descriptors
// to the first read that takes any of its bytes.
func readLineFDs(st *State, c *net.UnixConn) ([]byte, []int, error) {
	var line []byte
	var fds []int
	b := make([]byte, 1)
	oob := make([]byte, syscall.CmsgSpace(16*4))
	for len(line) < maxLineRead {
		c.SetReadDeadline(st.deadline(idleTimeout))
		n, oobn, _, _, err := c.ReadMsgUnix(b, oob)
		if oobn > 0 {
			msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn])
			if perr == nil {
				for _, m := range msgs {
					if got, err := syscall.ParseUnixRights(&m); err == nil {
						fds = append(fds, got...)
					}
				}
			}
		}
		if n == 1 {
			if b[0] == '\n' {
				return bytes.TrimSuffix(line, []byte("\r")), fds, nil
			}
			line = append(line, b[0])
		}
		if err != nil {
			return line, fds, err
		}
		if n == 0 {
			return line, fds, io.EOF
		}
	}
	return line, fds, fmt.Errorf("no newline in the first %d bytes", maxLineRead)
}
