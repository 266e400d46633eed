// Command unix-sockets is lesson 19's reference solution: a small local
// service over Unix domain sockets. It tells each client who it is (from
// the kernel's peer credentials), hands out open files by passing their
// descriptors, and in datagram mode echoes datagrams.
//
// Run it:     go run ./solutions/19-unix-sockets -socket /tmp/demo.sock -dir .
// Check it:   go run ./checker --dir solutions lesson19
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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

	network := "unix"
	if *dgram {
		network = "unixgram"
	}
	// A name that starts with @ lives in the abstract namespace: no file,
	// so nothing stale to remove and no mode to set.
	abstract := strings.HasPrefix(*path, "@")
	if !abstract {
		if err := removeStale(network, *path); err != nil {
			log.Fatal(err)
		}
	}

	// Signals first: the socket file must go even if a signal comes right
	// after the readiness line.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The umask decides the mode bind gives the socket file. Setting it
	// before bind, rather than chmod after, leaves no moment when another
	// user could connect.
	old := syscall.Umask(0o177)
	var err error
	var ln *net.UnixListener
	var conn *net.UnixConn
	if *dgram {
		conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: *path, Net: "unixgram"})
	} else {
		ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: *path, Net: "unix"})
	}
	syscall.Umask(old)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s:%s\n", network, *path)

	if *dgram {
		go func() {
			<-ctx.Done()
			conn.Close()
		}()
		err = echo(conn)
		// A datagram socket never unlinks its file on Close: we do.
		if !abstract {
			os.Remove(*path)
		}
	} else {
		go func() {
			<-ctx.Done()
			ln.Close() // net.ListenUnix's listener unlinks the file on Close
		}()
		err = serve(ln, server{dir: *dir, allow: allow})
	}
	if err != nil {
		log.Fatal(err)
	}
}

// removeStale makes path free for a new socket. A socket file that
// nothing listens on any more (left by a crashed server) is removed; a
// live server, or a file that is not a socket, is an error: never unlink
// what is not ours.
func removeStale(network, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket: not removing it", path)
	}
	// Connect first: only a refused connection proves the file stale.
	c, err := net.DialTimeout(network, path, 5*time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("another server is listening on %s", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("checking %s for a live server: %w", path, err)
	}
	log.Printf("removing stale socket %s", path)
	return os.Remove(path)
}

// server is the stream protocol's configuration.
type server struct {
	dir   string
	allow []uint32 // nil: any uid
}

// serve accepts connections until ln is closed, each in its own goroutine;
// then it returns nil.
func serve(ln *net.UnixListener, s server) error {
	for {
		c, err := ln.AcceptUnix()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			if err := s.handle(c); err != nil {
				log.Printf("client: %v", err)
			}
		}()
	}
}

// peerCred asks the kernel who is at the other end: the credentials the
// peer had when it called connect. The peer cannot lie about them.
func peerCred(c *net.UnixConn) (*unix.Ucred, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	err = raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err != nil {
		return nil, err
	}
	if credErr != nil {
		return nil, fmt.Errorf("SO_PEERCRED: %w", credErr)
	}
	return cred, nil
}

// handle speaks the line protocol with one client until QUIT or EOF.
func (s server) handle(c *net.UnixConn) error {
	cred, err := peerCred(c)
	if err != nil {
		return err
	}
	if s.allow != nil && !slices.Contains(s.allow, cred.Uid) {
		_, err := fmt.Fprintf(c, "ERR uid %d not allowed\n", cred.Uid)
		return err
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSuffix(sc.Text(), "\r"), " ")
		var err error
		switch cmd {
		case "WHOAMI":
			_, err = fmt.Fprintf(c, "uid=%d pid=%d\n", cred.Uid, cred.Pid)
		case "OPEN":
			err = s.open(c, arg)
		case "QUIT":
			_, err = fmt.Fprintf(c, "BYE\n")
			return err
		default:
			_, err = fmt.Fprintf(c, "ERR unknown command %q\n", cmd)
		}
		if err != nil {
			return err
		}
	}
	return sc.Err()
}

// open answers OPEN name: the reply line carries the open file's
// descriptor as SCM_RIGHTS ancillary data, so the client gets a file
// of its own that it could not have opened itself.
func (s server) open(c *net.UnixConn, name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		_, err := fmt.Fprintf(c, "ERR bad name %q\n", name)
		return err
	}
	f, err := os.Open(filepath.Join(s.dir, name))
	if err != nil {
		_, err := fmt.Fprintf(c, "ERR cannot open %q\n", name)
		return err
	}
	// The kernel copies the descriptor into the message as it is sent:
	// ours can be closed right after.
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_, err := fmt.Fprintf(c, "ERR not a file %q\n", name)
		return err
	}
	_, _, err = c.WriteMsgUnix([]byte("OK "+name+"\n"), unix.UnixRights(int(f.Fd())), nil)
	return err
}

// echo sends every datagram back, whole, to the socket that sent it, until
// conn is closed; then it returns nil.
func echo(conn *net.UnixConn) error {
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := conn.ReadFromUnix(buf)
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		// A sender that never bound a name has no address to answer.
		if from == nil || from.Name == "" {
			log.Printf("a datagram of %d bytes from an unnamed socket: no address to answer", n)
			continue
		}
		if _, err := conn.WriteToUnix(buf[:n], from); err != nil {
			log.Printf("echo to %s: %v", from.Name, err)
		}
	}
}
