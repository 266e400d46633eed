package scriptcmd

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// udpLoadEnv makes the checker (or a test binary) a load helper: it sends
// one datagram every period from the UDP socket it inherits as descriptor
// 3, until its stdin ends, and writes when each send was made on stdout.
// A process of its own is scheduled by the kernel alone: a goroutine of a
// checker that runs many checks at once can be held up for 10ms at a time
// by the Go scheduler, and a load with such gaps proves nothing.
const udpLoadEnv = "SOCKETLINGS_UDP_LOAD"

// udpLoadSpec is what a load helper is asked to do, as JSON in udpLoadEnv.
type udpLoadSpec struct {
	Target  netip.AddrPort `json:"target"`
	Payload []byte         `json:"payload"`
	Every   time.Duration  `json:"every"`
}

// sendSpanSize is how a helper writes a send: two int64 Unix nanoseconds,
// little-endian.
const sendSpanSize = 16

// helperProbe, as a helper's spec, asks it only to exit at once:
// canStartHelpers uses it to find out whether this program starts helpers.
const helperProbe = "-"

// canStartHelpers reports whether helper processes can be started: this
// program calls RunHelperIfAsked first. Bounded: one that does not would
// not exit at once.
var canStartHelpers = sync.OnceValue(func() bool {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := helperCommand(ctx, udpLoadEnv, helperProbe)
	return cmd.Run() == nil
})

// helperCommand is this program started again as the helper that env asks
// for, in a process group of its own that is killed with ctx.
func helperCommand(ctx context.Context, env, spec string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Env = []string{env + "=" + spec}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd
}

// startHelper starts cmd, a helper that runs until its stdin ends, and
// calls each on every record of size bytes that it writes on stdout. It
// returns the function that stops it and returns once every record is
// read.
func startHelper(cmd *exec.Cmd, size int, each func([]byte)) (func(), error) {
	if !canStartHelpers() {
		return nil, errors.New("this program does not start helpers")
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a helper: %w", err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		r := bufio.NewReader(stdout)
		rec := make([]byte, size)
		for size > 0 {
			if _, err := io.ReadFull(r, rec); err != nil {
				return
			}
			each(rec)
		}
		io.Copy(io.Discard, r)
	}()
	return func() {
		stdin.Close()
		// A helper stops within its period; one that does not is
		// killed, with its process group.
		select {
		case <-read:
		case <-time.After(time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-read
		}
		cmd.Wait()
	}, nil
}

// untilStdinEnds returns a channel closed when stdin ends: a helper's
// signal to stop, which also comes when the checker dies.
func untilStdinEnds() <-chan struct{} {
	quit := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(quit)
	}()
	return quit
}

// runHelpersIfAsked turns this process into the helper that its
// environment asks for, if any, and then exits.
func runHelpersIfAsked() {
	runIfAsked(udpLoadEnv, "udp load", runUDPLoad)
	runIfAsked(interruptEnv, "interrupt", runInterrupt)
}

// runIfAsked runs the helper run when env holds its spec, and then exits.
func runIfAsked(env, what string, run func(spec string) error) {
	spec := os.Getenv(env)
	switch spec {
	case "":
		return
	case helperProbe:
		os.Exit(0)
	}
	if err := run(spec); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runUDPLoad(spec string) error {
	var sp udpLoadSpec
	if err := json.Unmarshal([]byte(spec), &sp); err != nil {
		return err
	}
	if sp.Every <= 0 {
		return errors.New("no period")
	}
	pc, err := net.FilePacketConn(os.NewFile(3, "udp"))
	if err != nil {
		return err
	}
	c, ok := pc.(*net.UDPConn)
	if !ok {
		return errors.New("descriptor 3 is not a UDP socket")
	}
	quit := untilStdinEnds()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	t := time.NewTicker(sp.Every)
	defer t.Stop()
	var rec [sendSpanSize]byte
	for n := 1; ; n++ {
		before := time.Now()
		if _, err := c.WriteToUDPAddrPort(sp.Payload, sp.Target); err == nil {
			binary.LittleEndian.PutUint64(rec[:], uint64(before.UnixNano()))
			binary.LittleEndian.PutUint64(rec[8:], uint64(time.Now().UnixNano()))
			out.Write(rec[:])
		}
		if n%32 == 0 {
			if err := out.Flush(); err != nil {
				return err
			}
		}
		select {
		case <-quit:
			return nil
		case <-t.C:
		}
	}
}

// startLoadHelper starts a load helper that sends payload from p's socket
// every period, and records its sends in l. It returns the function that
// stops it.
func startLoadHelper(ctx context.Context, p *udpPeer, payload []byte, every time.Duration, l *loader) (func(), error) {
	spec, err := json.Marshal(udpLoadSpec{Target: p.target, Payload: payload, Every: every})
	if err != nil {
		return nil, err
	}
	sock, err := p.conn.File()
	if err != nil {
		return nil, fmt.Errorf("the socket for a load helper: %w", err)
	}
	defer sock.Close()
	cmd := helperCommand(ctx, udpLoadEnv, string(spec))
	cmd.ExtraFiles = []*os.File{sock}
	return startHelper(cmd, sendSpanSize, func(rec []byte) {
		l.record(sendSpan{
			time.Unix(0, int64(binary.LittleEndian.Uint64(rec))),
			time.Unix(0, int64(binary.LittleEndian.Uint64(rec[8:]))),
		})
	})
}
