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

// udpLoadProbe, as the spec, asks a helper only to exit at once:
// canStartLoad uses it to find out whether this program starts helpers.
const udpLoadProbe = "-"

// canStartLoad reports whether load helpers can be started: this program
// calls RunHelperIfAsked first. Bounded: one that does not would not exit
// at once.
var canStartLoad = sync.OnceValue(func() bool {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Env = []string{udpLoadEnv + "=" + udpLoadProbe}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd.Run() == nil
})

// runUDPLoadIfAsked turns this process into a load helper when it was
// started as one, and then exits.
func runUDPLoadIfAsked() {
	spec := os.Getenv(udpLoadEnv)
	switch spec {
	case "":
		return
	case udpLoadProbe:
		os.Exit(0)
	}
	if err := runUDPLoad(spec); err != nil {
		fmt.Fprintln(os.Stderr, "udp load:", err)
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
	quit := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(quit)
	}()
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
	if !canStartLoad() {
		return nil, errors.New("this program does not start load helpers")
	}
	spec, err := json.Marshal(udpLoadSpec{Target: p.target, Payload: payload, Every: every})
	if err != nil {
		return nil, err
	}
	sock, err := p.conn.File()
	if err != nil {
		return nil, fmt.Errorf("the socket for a load helper: %w", err)
	}
	defer sock.Close()
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Env = []string{udpLoadEnv + "=" + string(spec)}
	cmd.ExtraFiles = []*os.File{sock}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start a load helper: %w", err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		r := bufio.NewReader(stdout)
		var rec [sendSpanSize]byte
		for {
			if _, err := io.ReadFull(r, rec[:]); err != nil {
				return
			}
			l.record(sendSpan{
				time.Unix(0, int64(binary.LittleEndian.Uint64(rec[:]))),
				time.Unix(0, int64(binary.LittleEndian.Uint64(rec[8:]))),
			})
		}
	}()
	return func() {
		stdin.Close()
		// The helper stops at its next send, a period away; one that
		// does not is killed, with its process group.
		select {
		case <-read:
		case <-time.After(time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-read
		}
		cmd.Wait()
	}, nil
}
