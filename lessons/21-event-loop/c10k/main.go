// Command c10k measures echo servers with many connections open: for each
// program folder it is given, it builds the program, starts it on a free
// port, opens -n connections to it, sends a few bytes on every -every-th
// one and checks the echo, then reads the server's threads and resident
// memory from /proc and prints one line. Linux only (it reads /proc).
//
//	go run ./lessons/21-event-loop/c10k ./solutions/04-concurrent-server ./lessons/21-event-loop
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 10000, "connections to hold open at once")
	every := flag.Int("every", 10, "send on every N-th connection")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: c10k [-n N] [-every K] PROGRAM-FOLDER...")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Both ends need a descriptor per connection: raise our soft limit to
	// the hard one (Go does it at start-up, but say so), and tell the user
	// when even that is too low.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Max < uint64(*n+100) {
		log.Fatalf("the descriptor limit is %d, below the %d connections asked for: raise it (ulimit -n %d) or use -n", lim.Max, *n, *n+100)
	}
	fmt.Printf("%-34s %8s %8s %10s %10s\n", "program", "conns", "threads", "VmRSS", "connect")
	for _, dir := range flag.Args() {
		if err := measure(dir, *n, *every); err != nil {
			log.Fatalf("%s: %v", dir, err)
		}
	}
}

// measure builds and runs the program in dir, and prints its figures.
func measure(dir string, n, every int) error {
	bin := filepath.Join(os.TempDir(), "c10k-"+filepath.Base(dir))
	if out, err := exec.Command("go", "build", "-o", bin, "./"+filepath.Clean(dir)).CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	defer os.Remove(bin)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no readiness line: %v", err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))

	start := time.Now()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	for range n {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return fmt.Errorf("after %d connections: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	took := time.Since(start)
	msg := []byte("hello, event loop")
	got := make([]byte, len(msg))
	for i := 0; i < n; i += every {
		conns[i].Write(msg)
	}
	for i := 0; i < n; i += every {
		conns[i].SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(conns[i], got); err != nil || !bytes.Equal(got, msg) {
			return fmt.Errorf("connection %d: no echo (%v)", i, err)
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return err
	}
	fmt.Printf("%-34s %8d %8s %10s %10s\n", dir, n, field(status, "Threads"), field(status, "VmRSS"), took.Round(time.Millisecond))
	return nil
}

// field returns the value of a "Name:" line of /proc/PID/status.
func field(status []byte, name string) string {
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return "?"
}
