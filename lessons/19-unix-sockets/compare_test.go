package main

// Unix sockets against TCP on loopback, measured on your machine:
//
//	go test -bench . ./lessons/19-unix-sockets
//
// Each benchmark runs its own small echo server in this process, so it
// measures the transport, not your lesson's program.

import (
	"io"
	"net"
	"path/filepath"
	"testing"
)

// echoServer listens on network (tcp on 127.0.0.1, or unix in a temporary
// folder) and echoes every connection; it returns the address to dial.
func echoServer(b *testing.B, network string) string {
	b.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(b.TempDir(), "bench.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrips sends one small message and waits for its echo, again and
// again: the cost of one request and its reply (latency).
func roundTrips(b *testing.B, network string) {
	c, err := net.Dial(network, echoServer(b, network))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 64)
	buf := make([]byte, len(msg))
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// bulk streams 1 MiB and reads the echo back while writing: throughput
// (b.SetBytes makes the benchmark print MB/s).
func bulk(b *testing.B, network string) {
	c, err := net.Dial(network, echoServer(b, network))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		done := make(chan error, 1)
		go func() {
			_, err := io.CopyN(io.Discard, c, int64(len(data)))
			done <- err
		}()
		if _, err := c.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTripTCP(b *testing.B)  { roundTrips(b, "tcp") }
func BenchmarkRoundTripUnix(b *testing.B) { roundTrips(b, "unix") }
func BenchmarkBulkTCP(b *testing.B)       { bulk(b, "tcp") }
func BenchmarkBulkUnix(b *testing.B)      { bulk(b, "unix") }
