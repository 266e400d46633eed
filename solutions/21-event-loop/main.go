// Command event-loop is lesson 21's reference solution: lesson 02's echo
// server again, as one loop around epoll. Every socket is non-blocking and
// sits in one epoll set, the listening socket included; the loop sleeps in
// epoll_wait until the kernel says which sockets are ready, does what can be
// done now on each, and keeps what the kernel could not take yet in that
// connection's output buffer. No net package, and no goroutine per
// connection: one goroutine does all the work, however many clients there
// are.
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
	// out holds the echo that the kernel did not take yet: a write on a
	// non-blocking socket takes what fits in the send buffer and no more.
	out []byte
}

// server is the loop's state. Only the loop's goroutine touches it.
type server struct {
	ep    int // the epoll instance
	lfd   int // the listening socket
	wake  int // the eventfd that the signal goroutine writes to
	conns map[int]*conn
	// buf is the one read buffer, shared by all connections: a read's
	// bytes are echoed, or copied into out, before the next read.
	buf []byte
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
	// them. signal.Notify hands them to a channel instead, and one
	// goroutine turns that into a readable eventfd, which epoll_wait
	// watches with the sockets.
	go func() {
		<-sig
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		unix.Write(s.wake, one[:])
	}()

	if err := s.run(); err != nil {
		log.Fatal(err)
	}
	// Exiting closes every descriptor: the kernel sends each client a FIN.
}

// newServer makes the listening socket, the eventfd and the epoll set that
// holds them, and prints the readiness line.
func newServer(ap netip.AddrPort) (*server, error) {
	// SOCK_NONBLOCK: accept on an empty queue returns EAGAIN instead of
	// sleeping, so a connection that epoll announced but a client aborted
	// meanwhile cannot freeze the loop.
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err := unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return nil, fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
	}
	if err := unix.Bind(lfd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return nil, fmt.Errorf("bind %s: %w", ap, err)
	}
	// A long accept queue: thousands of clients may connect between two
	// turns of the loop. The kernel caps it at net.core.somaxconn.
	if err := unix.Listen(lfd, 4096); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	s := &server{ep: ep, lfd: lfd, wake: wake, conns: map[int]*conn{}, buf: make([]byte, 64<<10)}
	// Level-triggered (no EPOLLET): epoll_wait reports a descriptor for as
	// long as it is ready, so the loop may do one read per event and leave
	// the rest for the next turn.
	for _, fd := range []int{lfd, wake} {
		if err := s.watch(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN); err != nil {
			return nil, err
		}
	}
	sa, err := unix.Getsockname(lfd)
	if err != nil {
		return nil, fmt.Errorf("getsockname: %w", err)
	}
	in4 := sa.(*unix.SockaddrInet4)
	fmt.Printf("listening on %s\n", netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port)))
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
	events := make([]unix.EpollEvent, 256)
	for {
		// Timeout -1: sleep until something is ready. The loop uses no
		// CPU while every client is quiet.
		n, err := unix.EpollWait(s.ep, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue // a signal interrupted the wait; nothing is lost
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		for _, ev := range events[:n] {
			switch fd := int(ev.Fd); fd {
			case s.wake:
				return nil
			case s.lfd:
				s.accept()
			default:
				if c, ok := s.conns[fd]; ok {
					s.serve(c, ev.Events)
				}
			}
		}
	}
}

// accept takes every connection waiting in the queue, until EAGAIN.
func (s *server) accept() {
	for {
		fd, _, err := unix.Accept4(s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return // the queue is empty: back to epoll_wait
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			continue
		case err != nil:
			// Out of descriptors (EMFILE), say: the client waits in the
			// queue, and the next turn tries again.
			log.Printf("accept: %v", err)
			return
		}
		// Reading only: EPOLLOUT joins while an echo waits to be sent.
		if err := s.watch(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN); err != nil {
			log.Print(err)
			unix.Close(fd)
			continue
		}
		s.conns[fd] = &conn{fd: fd}
	}
}

// serve does what the events say can be done on c without waiting.
func (s *server) serve(c *conn, events uint32) {
	// EPOLLERR and EPOLLHUP come whatever was asked for: the read or
	// write below returns the error, or 0 for end of stream.
	broken := events&(unix.EPOLLERR|unix.EPOLLHUP) != 0
	if len(c.out) > 0 {
		if events&unix.EPOLLOUT != 0 || broken {
			s.flush(c)
		}
		return
	}
	if events&unix.EPOLLIN != 0 || broken {
		s.read(c)
	}
}

// read reads once from c and echoes what came. Level-triggered epoll
// reports c again at the next turn if more is waiting.
func (s *server) read(c *conn) {
	n, err := unix.Read(c.fd, s.buf)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return // nothing to read after all: wait for the next event
	case err != nil:
		log.Printf("read from fd %d: %v", c.fd, err)
		s.close(c)
		return
	case n == 0:
		// End of stream: nothing is pending here (read is called only
		// when out is empty), so the echo is complete.
		s.close(c)
		return
	}
	s.send(c, s.buf[:n])
}

// send writes b to c now, and keeps what the kernel did not take.
func (s *server) send(c *conn, b []byte) {
	n, err := unix.Write(c.fd, b)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		n = 0 // the send buffer is full: all of b waits
	case err != nil:
		log.Printf("write to fd %d: %v", c.fd, err)
		s.close(c)
		return
	}
	if n == len(b) {
		return
	}
	// A partial write: copy the rest (b is the shared buffer), and swap
	// EPOLLIN for EPOLLOUT. Not reading while the echo waits keeps memory
	// bounded: the client's bytes stay in the kernel, and TCP's window
	// makes the client wait.
	c.out = append(c.out, b[n:]...)
	if err := s.watch(unix.EPOLL_CTL_MOD, c.fd, unix.EPOLLOUT); err != nil {
		log.Print(err)
		s.close(c)
	}
}

// flush writes c's pending echo; once it is all gone, c reads again.
func (s *server) flush(c *conn) {
	n, err := unix.Write(c.fd, c.out)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return
	case err != nil:
		log.Printf("write to fd %d: %v", c.fd, err)
		s.close(c)
		return
	}
	c.out = c.out[n:]
	if len(c.out) > 0 {
		return // still pending: EPOLLOUT stays on
	}
	// Drop the buffer, so that an idle connection costs a few bytes. And
	// EPOLLOUT off: left on, a level-triggered epoll_wait would report the
	// writable socket at every turn and the loop would spin.
	c.out = nil
	if err := s.watch(unix.EPOLL_CTL_MOD, c.fd, unix.EPOLLIN); err != nil {
		log.Print(err)
		s.close(c)
	}
}

// close closes c, which also takes it out of the epoll set.
func (s *server) close(c *conn) {
	unix.Close(c.fd)
	delete(s.conns, c.fd)
}
