// Command ready prints a readiness line and waits for SIGINT or SIGTERM,
// with the signals handled before the line or, with -late, after it. It
// prints its environment on stderr.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	late := flag.Bool("late", false, "call signal.Notify after printing")
	flag.Parse()
	for _, kv := range os.Environ() {
		fmt.Fprintln(os.Stderr, kv)
	}
	sig := make(chan os.Signal, 1)
	if !*late {
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	}
	fmt.Println("listening on 127.0.0.1:1")
	if *late {
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	}
	<-sig
}
