// Command unix-sockets is lesson 19: a small local service over Unix
// domain sockets. It tells each client who it is, from the kernel's peer
// credentials, hands out open files by passing their descriptors, and in
// datagram mode echoes datagrams. Read README.md first; it states exactly
// what the checker expects.
//
// Run it:     go run ./lessons/19-unix-sockets -socket /tmp/demo.sock -dir .
// Check it:   go run ./checker lesson19
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// maxDatagram is the largest datagram the server echoes whole.
const maxDatagram = 65536

func main() {
	path := flag.String("socket", "/tmp/socketlings.sock", "socket `PATH` to listen on (@NAME: Linux's abstract namespace)")
	dgram := flag.Bool("dgram", false, "echo datagrams (SOCK_DGRAM) instead of serving the stream protocol")
	dir := flag.String("dir", ".", "folder whose files OPEN hands out")
	var allow []uint32
	flag.Func("allow", "serve only the peers whose uid is in `UIDS` (comma-separated; default: any uid)", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			uid, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
			if err != nil {
				return fmt.Errorf("%q is not a uid", f)
			}
			allow = append(allow, uint32(uid))
		}
		return nil
	})
	flag.Parse()
	log.SetFlags(0)

	// Signals first: the socket file must go even if a signal comes right
	// after the readiness line.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// TODO: unless *path starts with "@" (the abstract namespace, no
	// file), call removeStale, and log.Fatal its error.

	// TODO: bind with mode 0600: set the umask to 0177 (syscall.Umask),
	// then net.ListenUnix("unix", ...) or, with *dgram,
	// net.ListenUnixgram("unixgram", ...), then put the old umask back.
	// log.Fatal a failed bind.

	// TODO: print "listening on unix:PATH" ("unixgram:PATH" with -dgram),
	// PATH exactly as -socket gave it.

	// TODO: when ctx is done, close the listener (it removes its file) or
	// the datagram socket (it does not: os.Remove the path yourself), so
	// that serve or echo returns nil and main returns.
	_ = ctx
	_, _, _ = dgram, dir, allow
	log.Fatalf("lesson 19 is not done yet: nothing listens on %s", *path)
}

// removeStale makes path free for a new socket of network ("unix" or
// "unixgram"). A socket file nothing listens on (left by a crashed server)
// is removed; a live server there, or a file that is not a socket, is an
// error.
func removeStale(network, path string) error {
	// TODO: os.Lstat the path: nothing there (fs.ErrNotExist) is fine.
	// Something that is not a socket (fi.Mode().Type() != fs.ModeSocket)
	// is an error. For a socket, connect first (net.DialTimeout): success
	// means a live server (an error); syscall.ECONNREFUSED means stale:
	// os.Remove it.
	return errors.New("removeStale is not written yet")
}

// server is the stream protocol's configuration.
type server struct {
	dir   string
	allow []uint32 // nil: any uid
}

// serve accepts connections until ln is closed, each served in its own
// goroutine by handle; then it returns nil.
func serve(ln *net.UnixListener, s server) error {
	// TODO: loop on ln.AcceptUnix; return nil once the error is
	// net.ErrClosed; serve each connection in a goroutine that closes it
	// and logs handle's error.
	return errors.New("serve is not written yet")
}

// handle speaks the line protocol with one client until QUIT or EOF.
func (s server) handle(c *net.UnixConn) error {
	// TODO: get the peer's credentials: c.SyscallConn(), then in Control,
	// unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED).

	// TODO: with -allow, refuse a uid not listed: "ERR uid N not allowed",
	// then return (the caller closes).

	// TODO: read lines with a bufio.Scanner over c and answer each:
	// WHOAMI -> "uid=N pid=N"; OPEN NAME -> s.open; QUIT -> "BYE" and
	// return; anything else -> "ERR ...".
	return errors.New("handle is not written yet")
}

// open answers OPEN name: a line "OK name" that carries the open file's
// descriptor as SCM_RIGHTS ancillary data.
func (s server) open(c *net.UnixConn, name string) error {
	// TODO: refuse "", ".", ".." and names with a slash, files that
	// cannot be opened and files that are not regular: "ERR ...".
	// Otherwise os.Open it and send the line and the descriptor in one
	// call: c.WriteMsgUnix(line, unix.UnixRights(int(f.Fd())), nil).
	return errors.New("open is not written yet")
}

// echo sends every datagram back, whole, to the socket that sent it, until
// conn is closed; then it returns nil.
func echo(conn *net.UnixConn) error {
	// TODO: a buffer of maxDatagram bytes; loop on conn.ReadFromUnix and
	// conn.WriteToUnix(buf[:n], from). A sender with no name (from nil,
	// or from.Name == "") cannot be answered: log it and go on. Return
	// nil once the error is net.ErrClosed.
	return errors.New("echo is not written yet")
}
