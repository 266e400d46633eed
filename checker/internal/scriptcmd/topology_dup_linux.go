package scriptcmd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// dupMAC is the hardware address that router 1 takes the source's to be
// once dup is on. No interface has it (it is locally administered), so
// the source's kernel drops every frame router 1 sends it as meant for
// another host, and only the relay, which sees every frame on link 1,
// delivers what they carry.
var dupMAC = net.HardwareAddr{0x02, 0x73, 0x6c, 0x00, 0x00, 0x16}

// startRelay puts the checker between router 1 and the source, for what
// router 1 sends there: with o.dup, every ICMP error that reaches the
// source comes a second time, as a late answer to a probe already
// answered: the copy comes when the next packet leaves for the routers,
// and before any answer to that packet. The program under test must not
// take it for the answer to the probe it waits for. With o.options, every
// ICMP error quotes a header with an option (traceQuoteWithOption), which
// the program must skip to find the ports. With o.otherHost, as each
// probe leaves, and before any answer to it, a port unreachable quotes it
// as if it had gone to another host (traceOtherHostAnswer), which is not
// its answer. With o.slow, everything router 1 sends the source is held
// that long first, as if each answer took that long to come back. With
// o.drop, the answers to every o.drop-th probe that leaves for the
// destination are never delivered. Whatever o asks, the relay notes in
// t.probes the destination port of every UDP datagram that leaves for the
// destination, in order, and counts the echo requests.
//
// Nothing here depends on timing (but slow's own delay). Router 1 sends everything meant for the
// source to dupMAC, so nothing reaches the source unless the relay
// delivers it. The relay reads link 1 through one packet socket, which
// queues the frames in the order they crossed the link: a probe leaving,
// always before the answer to it. For each frame in turn, it delivers
// what router 1 sent (and keeps a copy of each ICMP error), or, when a
// packet leaves, delivers the copies kept. It delivers through a raw
// socket to the source's own address, which loopback hands to the
// kernel's receive path of the CPU that sent it, one packet after the
// other: the relay runs on one CPU only, so its packets reach the
// program's sockets in the order it sent them.
func (t *topology) startRelay(o topologyOpts) error {
	ifi, err := net.InterfaceByName(t.link(1, "a"))
	if err != nil {
		return err
	}
	// ETH_P_ALL: the kernel shows outgoing frames only to sockets that
	// take every protocol.
	proto := sniffHtons(unix.ETH_P_ALL)
	capture, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		return fmt.Errorf("packet socket: %w", err)
	}
	if err := unix.Bind(capture, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		unix.Close(capture)
		return fmt.Errorf("bind to %s: %w", ifi.Name, err)
	}
	// Woken every 50ms to see whether the script is over.
	tv := unix.NsecToTimeval((50 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(capture, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(capture)
		return err
	}
	send, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		unix.Close(capture)
		return fmt.Errorf("raw socket: %w", err)
	}
	if t.probes == nil {
		t.probes = &traceProbes{} // a topology made outside a script
	}
	t.probes.mu.Lock()
	t.probes.relayed = true
	t.probes.mu.Unlock()
	t.dupDone, t.dupWait = make(chan struct{}), make(chan struct{})
	started := make(chan error, 1)
	go t.relay(capture, send, o, started)
	if err := <-started; err != nil {
		return err
	}
	// The relay listens already: nothing router 1 sends from now on is
	// lost.
	return inNetns(t.holders[0].Process.Pid, func() error {
		return t.ip([]string{fmt.Sprintf("neigh replace %s lladdr %s dev %s nud permanent", t.source, dupMAC, t.link(1, "b"))})
	})
}

// relay is startRelay's loop, on an OS thread of its own that runs on one
// CPU only. It reports on started whether it could set itself up, closes
// both sockets, and closes t.dupWait when t.dupDone is closed.
func (t *topology) relay(capture, send int, o topologyOpts, started chan<- error) {
	defer close(t.dupWait)
	defer unix.Close(capture)
	defer unix.Close(send)
	runtime.LockOSThread() // never unlocked: the thread, pinned, ends with the goroutine
	if err := pinToOneCPU(); err != nil {
		started <- fmt.Errorf("keep the relay on one CPU: %w", err)
		return
	}
	started <- nil

	// slow's packets leave from a goroutine of their own, in order, each
	// o.slow after it reached the relay; it is done before send closes.
	type held struct {
		at  time.Time
		pkt []byte
	}
	later := make(chan held, 1024)
	delivered := make(chan struct{})
	defer func() { close(later); <-delivered }()
	go func() {
		defer close(delivered)
		for h := range later {
			select {
			case <-time.After(time.Until(h.at)):
				unix.Sendto(send, h.pkt, 0, &unix.SockaddrInet4{Addr: [4]byte(t.source.To4())})
			case <-t.dupDone:
			}
		}
	}()

	source := [4]byte(t.source.To4())
	dest := [4]byte(t.dest.To4())
	other := [4]byte(t.addr(250, 2)) // $OTHERHOST: no host, routed nowhere
	to := &unix.SockaddrInet4{Addr: source}
	var copies [][]byte // the ICMP errors delivered since a packet last left
	probes := 0         // that left for the destination
	dropped := map[string]bool{}
	buf := make([]byte, 1<<16)
	for {
		select {
		case <-t.dupDone:
			return
		default:
		}
		n, from, err := unix.Recvfrom(capture, buf, 0)
		if err != nil {
			continue // the timeout, to look at dupDone again
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || ll.Protocol != sniffHtons(unix.ETH_P_IP) {
			continue // ARP, mostly
		}
		switch ll.Pkttype {
		case unix.PACKET_OUTGOING:
			// A probe (or any packet) leaves: the late answers come now,
			// before the relay can even see an answer to it.
			for _, c := range copies {
				unix.Sendto(send, c, 0, to)
			}
			copies = copies[:0]
			p, err := parseIPv4(buf[:n])
			if err != nil || p.src != source || p.dst != dest {
				continue
			}
			t.noteProbe(p)
			if key := traceProbeKey(p.proto, p.payload()); key != "" {
				probes++
				if o.drop > 0 && probes%o.drop == 0 {
					dropped[key] = true
				}
			}
			if o.otherHost {
				if d := traceOtherHostAnswer(buf[:n], other); d != nil {
					unix.Sendto(send, d, 0, to)
				}
			}
		case unix.PACKET_OTHERHOST:
			// From router 1, to dupMAC: the source's kernel dropped it.
			p, err := parseIPv4(buf[:n])
			if err != nil || p.dst != source {
				continue
			}
			if o.drop > 0 && dropped[traceAnswerKey(p)] {
				continue // lost on the way
			}
			pkt := buf[:n]
			if o.options {
				if q := traceQuoteWithOption(pkt); q != nil {
					pkt = q
				}
			}
			if o.slow > 0 {
				select {
				case later <- held{at: time.Now().Add(o.slow), pkt: bytes.Clone(pkt)}:
				default: // more than 1024 held: drop, as a busy router would
				}
				continue
			}
			unix.Sendto(send, pkt, 0, to)
			if body := p.payload(); o.dup && p.proto == 1 && len(body) >= 8 && (body[0] == 3 || body[0] == 11) {
				copies = append(copies, bytes.Clone(pkt))
			}
		}
	}
}

// noteProbe notes in t.probes a packet p that leaves for the destination:
// a UDP datagram's destination port, or one more echo request.
func (t *topology) noteProbe(p ipv4Packet) {
	body := p.payload()
	t.probes.mu.Lock()
	defer t.probes.mu.Unlock()
	switch {
	case p.proto == 17 && len(body) >= 4:
		t.probes.udpPorts = append(t.probes.udpPorts, int(binary.BigEndian.Uint16(body[2:])))
	case p.proto == 1 && len(body) >= 1 && body[0] == 8:
		t.probes.echoes++
	}
}

// pinToOneCPU keeps the calling OS thread on the first CPU that it may run
// on.
func pinToOneCPU() error {
	var all, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		return err
	}
	if all.Count() == 0 {
		return errors.New("no CPU to run on")
	}
	cpu := 0
	for !all.IsSet(cpu) {
		cpu++
	}
	one.Set(cpu)
	return unix.SchedSetaffinity(0, &one)
}
