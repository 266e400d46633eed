// dave's lesson 02 is hostile: it ignores SIGTERM, starts a daemon that
// leaves its process group, starts hundreds of processes, floods its output
// (16 MiB), and never answers a client.
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
	// A daemon in a session of its own, out of the process group.
	d := exec.Command("sleep", "600")
	d.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	d.Start()
	// Many processes.
	for range 300 {
		if exec.Command("sleep", "600").Start() != nil {
			break
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	go func() {
		// 16 MiB, 250 times what the checker keeps: enough to prove the
		// output bounded, without burning a core for the whole grading.
		line := strings.Repeat("flood ", 200) + "\n"
		for range (16 << 20) / len(line) {
			os.Stderr.WriteString(line)
		}
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		_ = c // held open, never read
	}
}
