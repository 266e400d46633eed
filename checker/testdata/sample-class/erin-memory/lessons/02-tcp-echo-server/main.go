// erin's lesson 02 eats memory: it touches 2 GiB before it listens.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	var hog [][]byte
	for range 2048 {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1
		}
		hog = append(hog, b)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(1)
	}
	fmt.Printf("listening on %s (holding %d MiB)\n", ln.Addr(), len(hog))
	select {}
}
