// Fixture: a server that accepts and never answers, with a child process
// in its group whose pid goes to $FIXTURE_PIDFILE once it is ready.
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
)

func main() {
	child := exec.Command("sleep", "600")
	if err := child.Start(); err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	os.WriteFile(os.Getenv("FIXTURE_PIDFILE"), []byte(strconv.Itoa(child.Process.Pid)), 0o644)
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
	}
}
