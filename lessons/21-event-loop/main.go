// Command event-loop is lesson 21: lesson 02's echo server again, as one
// loop around epoll. Every socket is non-blocking and sits in one epoll
// set, the listening socket included; the loop sleeps in epoll_wait until
// the kernel says which sockets are ready, does what can be done now on
// each, and keeps what the kernel could not take yet. No net package, and
// no goroutine per connection. Read README.md first; it states exactly what
// the checker expects.
//
// Flag parsing and the signals are written for you; the TODOs are the loop.
// Try it:
//
//	go run ./lessons/21-event-loop -addr 127.0.0.1:9000
//	nc 127.0.0.1 9000
//
// Check it: go run ./checker lesson21
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// conn is what the loop keeps for one client between two events.
type conn struct {
	fd int
	// out holds the echo that the kernel did not take yet.
	out []byte
}

// server is the loop's state. Only the loop's goroutine touches it.
type server struct {
	ep    int // the epoll instance
	lfd   int // the listening socket
	wake  int // the eventfd that the signal goroutine writes to
	conns map[int]*conn
	buf   []byte // the one read buffer, shared by all connections
}

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "IPv4 address to listen on (host:port)")
	flag.Parse()
	log.SetFlags(0)

	// net/netip only parses text: no sockets hide in it.
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil || !ap.Addr().Is4() {
		log.Fatalf("-addr %q: want an IPv4 host:port such as 127.0.0.1:65432", *addr)
	}
	// Signals are handled before newServer prints the readiness line:
	// whoever reads it may send one at once.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	s, err := newServer(ap)
	if err != nil {
		log.Fatal(err)
	}

	// Go's runtime catches signals itself, so a signalfd would never see
	// them. signal.Notify hands them to a channel instead, and this
	// goroutine turns that into a readable eventfd for epoll_wait.
	go func() {
		<-sig
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		unix.Write(s.wake, one[:])
	}()

	if err := s.run(); err != nil {
		log.Fatal(err)
	}
}

// newServer makes the listening socket, the eventfd and the epoll set that
// holds them, and prints the readiness line.
func newServer(ap netip.AddrPort) (*server, error) {
	// TODO: make the listening socket as in lesson 01 (socket,
	// SO_REUSEADDR, bind, listen), but non-blocking: add SOCK_NONBLOCK to
	// the type. Give listen a long queue, such as 4096.
	lfd := -1

	// TODO: make the epoll set (unix.EpollCreate1) and put ep in the server.
	ep := -1

	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	s := &server{ep: ep, lfd: lfd, wake: wake, conns: map[int]*conn{}, buf: make([]byte, 64<<10)}

	// TODO: watch lfd and wake for EPOLLIN (s.watch with EPOLL_CTL_ADD).

	// TODO: print "listening on HOST:PORT" with the address the socket
	// really got (unix.Getsockname), never the flag.
	return s, nil
}

// watch adds fd to the epoll set, or changes what it is watched for.
func (s *server) watch(op, fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(s.ep, op, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl fd %d: %w", fd, err)
	}
	return nil
}

// run is the event loop. It returns nil once a signal arrives.
func (s *server) run() error {
	// TODO: loop on unix.EpollWait(s.ep, events, -1); on EINTR, wait
	// again. For each event: s.wake means return nil; s.lfd means
	// s.accept(); any other descriptor is a connection: s.serve it.
	return errors.New("the event loop is not written yet")
}

// accept takes every connection waiting in the queue, until EAGAIN.
func (s *server) accept() {
	// TODO: unix.Accept4 with SOCK_NONBLOCK in a loop: EAGAIN means the
	// queue is empty; EINTR and ECONNABORTED mean try again. Watch each
	// new socket for EPOLLIN and keep a *conn for it in s.conns.
}

// serve does what the events say can be done on c without waiting.
func (s *server) serve(c *conn, events uint32) {
	// TODO: with an echo pending, write it (s.flush) on EPOLLOUT;
	// otherwise read (s.read) on EPOLLIN. EPOLLERR and EPOLLHUP come
	// unasked: treat them as both.
}

// read reads once from c and echoes what came.
func (s *server) read(c *conn) {
	// TODO: one unix.Read into s.buf. EAGAIN or EINTR: nothing now.
	// Another error: log it and close. 0 bytes: the client's FIN, close.
	// Data: s.send it.
}

// send writes b to c now, and keeps what the kernel did not take.
func (s *server) send(c *conn, b []byte) {
	// TODO: one unix.Write. What it did not take (all of b on EAGAIN)
	// is copied into c.out, since b is the shared buffer; then watch c
	// for EPOLLOUT instead of EPOLLIN until it is flushed.
}

// flush writes c's pending echo; once it is all gone, c reads again.
func (s *server) flush(c *conn) {
	// TODO: write c.out and keep the rest. Once it is empty, set it to
	// nil and watch c for EPOLLIN again: EPOLLOUT left on would wake
	// the loop at every turn.
}

// close closes c, which also takes it out of the epoll set.
func (s *server) close(c *conn) {
	unix.Close(c.fd)
	delete(s.conns, c.fd)
}
