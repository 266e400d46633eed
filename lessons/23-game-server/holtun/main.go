// Command holtun measures head-of-line blocking, for lesson 23's "Why not
// TCP": it joins two new network namespaces with a pair of TUN devices and
// a link of its own that delays every packet and drops some at random,
// then sends 50 updates a second across it over TCP and over UDP at the
// same time, and reports how old they were on arrival. Linux only, as root
// (it creates namespaces and TUN devices; nothing outlives it):
//
//	sudo go run ./lessons/23-game-server/holtun -loss 0.02 -delay 20ms
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// tun opens the TUN device name, in the calling thread's namespace.
func tun(name string) *os.File {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR, 0)
	if err != nil {
		log.Fatal(err)
	}
	var req [unix.IFNAMSIZ + 64]byte
	copy(req[:], name)
	*(*uint16)(unsafe.Pointer(&req[unix.IFNAMSIZ])) = unix.IFF_TUN | unix.IFF_NO_PI
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETIFF, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
		log.Fatal(e)
	}
	return os.NewFile(uintptr(fd), name)
}

// sh runs a command, in the calling thread's namespace: the thread is
// locked, and a child inherits the namespace of the thread that forks it.
func sh(args ...string) {
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		log.Fatalf("%v: %v %s", args, err, out)
	}
}

// newns moves the calling thread into a new network namespace and gives
// it the TUN device dev with address addr/24; it returns the device and
// the namespace.
func newns(dev, addr string) (*os.File, int) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		log.Fatal(err)
	}
	f := tun(dev)
	sh("ip", "link", "set", "lo", "up")
	sh("ip", "addr", "add", addr+"/24", "dev", dev)
	sh("ip", "link", "set", dev, "up")
	ns, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	return f, ns
}

// link copies packets from a to b, dropping a share of them and delaying
// the rest.
func link(a, b *os.File, loss float64, delay time.Duration, r *rand.Rand) {
	buf := make([]byte, 65536)
	for {
		n, err := a.Read(buf)
		if err != nil {
			return
		}
		if r.Float64() < loss {
			continue
		}
		p := append([]byte(nil), buf[:n]...)
		time.AfterFunc(delay, func() { b.Write(p) })
	}
}

func main() {
	loss := flag.Float64("loss", 0.02, "share of packets dropped, each way")
	delay := flag.Duration("delay", 20*time.Millisecond, "one-way delay")
	n := flag.Int("n", 1500, "updates, 50 a second")
	flag.Parse()
	log.SetFlags(0)
	if os.Geteuid() != 0 {
		log.Fatal("holtun creates network namespaces and TUN devices: run it as root")
	}
	// Every namespace change happens on this one thread, and every socket
	// is made in the namespace where this thread is at that moment.
	runtime.LockOSThread()
	ta, nsA := newns("ta", "10.9.0.1")
	tb, _ := newns("tb", "10.9.0.2")
	go link(ta, tb, *loss, *delay, rand.New(rand.NewPCG(1, 2)))
	go link(tb, ta, *loss, *delay, rand.New(rand.NewPCG(3, 4)))
	// In namespace B: the receivers.
	ln, err := net.Listen("tcp", "10.9.0.2:7000")
	if err != nil {
		log.Fatal(err)
	}
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(10, 9, 0, 2), Port: 7001})
	if err != nil {
		log.Fatal(err)
	}
	// In namespace A: the senders.
	if err := unix.Setns(nsA, unix.CLONE_NEWNET); err != nil {
		log.Fatal(err)
	}
	tc, err := net.Dial("tcp", "10.9.0.2:7000")
	if err != nil {
		log.Fatal(err)
	}
	us, err := net.Dial("udp", "10.9.0.2:7001")
	if err != nil {
		log.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		for i := range *n {
			<-t.C
			b := make([]byte, 12)
			binary.BigEndian.PutUint32(b, uint32(i))
			binary.BigEndian.PutUint64(b[4:], uint64(now()))
			tc.Write(b)
			us.Write(b)
		}
	}()
	done := make(chan []time.Duration)
	go func() {
		var ages []time.Duration
		buf := make([]byte, 12)
		for range *n {
			if _, err := io.ReadFull(sc, buf); err != nil {
				break
			}
			ages = append(ages, time.Duration(now()-int64(binary.BigEndian.Uint64(buf[4:]))))
		}
		done <- ages
	}()
	var uages []time.Duration
	last := -1
	buf := make([]byte, 64)
	for {
		uc.SetReadDeadline(time.Now().Add(time.Second))
		k, err := uc.Read(buf)
		if err != nil {
			break
		}
		seq := int(binary.BigEndian.Uint32(buf))
		if seq <= last {
			continue
		}
		last = seq
		uages = append(uages, time.Duration(now()-int64(binary.BigEndian.Uint64(buf[4:k]))))
	}
	tages := <-done
	report := func(name string, ages []time.Duration) {
		slices.Sort(ages)
		late := 0
		for _, a := range ages {
			if a > 100*time.Millisecond {
				late++
			}
		}
		q := func(p float64) time.Duration { return ages[int(p*float64(len(ages)-1))].Round(time.Millisecond) }
		fmt.Printf("%s  %4d of %d arrived  median %4s  99th pct %5s  worst %5s  older than 100ms: %d\n",
			name, len(ages), *n, q(0.5), q(0.99), q(1), late)
	}
	fmt.Printf("one-way delay %s, %.0f%% of packets lost each way, an update every 20ms for %s\n", *delay, 100**loss, time.Duration(*n)*20*time.Millisecond)
	report("TCP", tages)
	report("UDP", uages)
}
