// Command httpbench measures the throughput of lesson 22's solution against
// net/http's own server, on the same machine and the same files: both serve
// a folder, and the same load generator asks each for the same files over
// keep-alive connections, one request at a time per connection. It prints
// requests per second for each and their ratio; docs/speed.md keeps one run.
//
//	go run ./docs/httpbench [-conns 8] [-time 3s] [-size 1024]
//
// The load generator is a few lines of raw TCP, not net/http's client, so
// that its own cost is the same for both servers and small.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	conns := flag.Int("conns", 8, "keep-alive connections at once")
	dur := flag.Duration("time", 2*time.Second, "how long to load each server, each round")
	rounds := flag.Int("rounds", 3, "rounds, each loading both servers in turn; the medians are compared")
	size := flag.Int("size", 1024, "size of the file asked for, in bytes")
	solution := flag.String("solution", "solutions/22-http-server", "the lesson's program to build")
	stdRoot := flag.String("std-server", "", "serve this folder with net/http instead (the benchmark runs itself so)")
	flag.Parse()
	log.SetFlags(0)
	if *stdRoot != "" {
		log.Fatal(serveStd(*stdRoot))
	}
	if err := run(*solution, *conns, *dur, *size, *rounds); err != nil {
		log.Fatal(err)
	}
}

func run(solution string, conns int, dur time.Duration, size, rounds int) error {
	dir, err := os.MkdirTemp("", "httpbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	www := filepath.Join(dir, "www")
	if err := os.Mkdir(www, 0o755); err != nil {
		return err
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	if err := os.WriteFile(filepath.Join(www, "file.txt"), body, 0o644); err != nil {
		return err
	}

	// The lesson's server, built and started as the checker would, and
	// net/http's on the same folder, each in a process of its own.
	bin := filepath.Join(dir, "http-server")
	if out, err := exec.Command("go", "build", "-o", bin, "./"+solution).CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", solution, err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lessonAddr, err := start(ctx, bin, "-root", www, "-addr", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("lesson 22: %w", err)
	}
	stdAddr, err := start(ctx, self, "-std-server", www)
	if err != nil {
		return fmt.Errorf("net/http: %w", err)
	}

	fmt.Printf("GET of a %d-byte file, %d keep-alive connections, %d rounds of %s per server\n", size, conns, rounds, dur)
	// A short warm-up of each, then rounds that alternate, so that a
	// change in the machine's load falls on both.
	load(lessonAddr, conns, dur/10, size)
	load(stdAddr, conns, dur/10, size)
	var lesson, std []float64
	for range rounds {
		l, err := load(lessonAddr, conns, dur, size)
		if err != nil {
			return fmt.Errorf("lesson 22: %w", err)
		}
		s, err := load(stdAddr, conns, dur, size)
		if err != nil {
			return fmt.Errorf("net/http: %w", err)
		}
		lesson, std = append(lesson, l), append(std, s)
	}
	fmt.Printf("lesson 22's solution: %8.0f requests/s (median; rounds %s)\n", median(lesson), show(lesson))
	fmt.Printf("net/http's server:    %8.0f requests/s (median; rounds %s)\n", median(std), show(std))
	fmt.Printf("ratio (lesson / net/http): %.2f\n", median(lesson)/median(std))
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func show(v []float64) string {
	words := make([]string, len(v))
	for i, x := range v {
		words[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(words, ", ")
}

// start runs a server until ctx ends and returns the address its
// readiness line names.
func start(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	go cmd.Wait()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("readiness line: %w", err)
	}
	return strings.TrimPrefix(strings.TrimSpace(line), "listening on "), nil
}

// serveStd serves root with net/http's FileServer until killed.
func serveStd(root string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	srv := &http.Server{Handler: http.FileServer(http.Dir(root)), ErrorLog: log.New(io.Discard, "", 0)}
	return srv.Serve(ln)
}

// load runs conns connections that each ask for /file.txt, one request at a
// time, for dur, and returns the requests per second that completed.
func load(addr string, conns int, dur time.Duration, size int) (float64, error) {
	req := []byte("GET /file.txt HTTP/1.1\r\nHost: bench\r\n\r\n")
	deadline := time.Now().Add(dur)
	counts := make([]int, conns)
	errs := make([]error, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conns {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs[i] = err
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for time.Now().Before(deadline) {
				if _, err := c.Write(req); err != nil {
					errs[i] = err
					return
				}
				if err := readResponse(br, size); err != nil {
					errs[i] = err
					return
				}
				counts[i]++
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := 0
	for i, n := range counts {
		if errs[i] != nil {
			return 0, errs[i]
		}
		total += n
	}
	return float64(total) / elapsed.Seconds(), nil
}

// readResponse reads one response with a Content-Length and a 200 status.
func readResponse(br *bufio.Reader, size int) error {
	status, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 200 ") {
		return fmt.Errorf("status line %q", status)
	}
	length := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		if strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	if length != size {
		return errors.New("wrong or missing Content-Length")
	}
	_, err = br.Discard(length)
	return err
}
