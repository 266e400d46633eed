// Command game-server is lesson 23's reference solution: an authoritative
// real-time game server over UDP. Players join with a name and send inputs
// numbered by a sequence number; the server applies each input once, in
// sequence order, never an old one or a copy, and never waits for one that
// was lost. At every tick of its clock it sends every player a snapshot of
// the whole world in one datagram, and it drops players that fall silent.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// maxPlayers keeps the snapshot within maxSnapshot bytes: 16 lines of
	// at most 52 bytes each, and the TICK line.
	maxPlayers = 16
	// maxSnapshot is the most a snapshot may take: 1280 bytes, the
	// smallest MTU that IPv6 allows, less its 40-byte header and UDP's 8,
	// rounded down, so that a snapshot is never fragmented.
	maxSnapshot = 1200
)

// validName is what a player may be called: 1 to 16 letters, digits, '-'
// and '_', so that a name is one word on a snapshot line.
var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,16}$`)

// player is one player's state, as the server holds it.
type player struct {
	name string
	x, y int64
	// seq is the sequence number of the last input applied: 0 until the
	// first one. Any input numbered seq or less is stale, or a copy.
	seq   uint32
	heard time.Time // when the last datagram came from the player
}

// packet is one datagram, handed from the reading goroutine to the game
// loop.
type packet struct {
	data []byte
	from netip.AddrPort
	at   time.Time
}

func main() {
	addr := flag.String("addr", "127.0.0.1:65432", "address to bind to (host:port)")
	tick := flag.Duration("tick", 50*time.Millisecond, "time between two ticks")
	timeout := flag.Duration("timeout", 5*time.Second, "silence after which a player is dropped")
	flag.Parse()
	log.SetFlags(0)
	if *tick <= 0 || *timeout <= 0 {
		log.Fatalf("-tick and -timeout must be more than 0")
	}

	laddr, err := net.ResolveUDPAddr("udp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	// Closing the socket ends the reading goroutine, which closes the
	// channel of packets, which ends the game loop.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		conn.Close()
	}()

	// Printed once SIGINT and SIGTERM are handled: whoever reads this line may send one at once.
	fmt.Printf("listening on %s\n", conn.LocalAddr())

	packets := make(chan packet, 256)
	go read(conn, packets)
	g := &game{conn: conn, players: map[netip.AddrPort]*player{}, timeout: *timeout}
	g.run(*tick, packets)
}

// read hands every datagram to the game loop until conn is closed, then
// closes packets. It copies each datagram: the buffer is reused.
func read(conn *net.UDPConn, packets chan<- packet) {
	defer close(packets)
	buf := make([]byte, 64*1024)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			log.Printf("read: %v", err)
			continue
		}
		packets <- packet{data: append([]byte(nil), buf[:n]...), from: from, at: time.Now()}
	}
}

// game is the world. Only the game loop touches it, so it needs no lock.
type game struct {
	conn    *net.UDPConn
	players map[netip.AddrPort]*player
	timeout time.Duration
	last    uint64 // the last tick sent
}

// run is the game loop: it applies packets as they come and, at every tick
// of the clock, drops the silent players and sends the snapshot, until
// packets is closed.
func (g *game) run(tick time.Duration, packets <-chan packet) {
	// A Ticker keeps its own schedule, start + k*tick, whatever the time
	// each tick takes: the work of one tick never delays the next. Sleeping
	// for tick after each tick's work would add that work, and the
	// sleep's lateness, to every period, and the clock would drift.
	start := time.Now()
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case p, ok := <-packets:
			if !ok {
				return
			}
			g.handle(p)
		case now := <-ticker.C:
			// The clock says which tick this is. A Ticker that finds
			// its channel full drops a tick; the number then skips one,
			// so the tick numbers keep up with the clock rather than
			// fall behind it.
			n := uint64(now.Sub(start) / tick)
			if n <= g.last {
				continue
			}
			g.last = n
			g.evict(now)
			g.broadcast(n)
		}
	}
}

// handle applies one datagram. Anything malformed is logged and ignored:
// the server is the authority, and a client's word is only a request.
func (g *game) handle(p packet) {
	pl := g.players[p.from]
	if pl != nil {
		// Any datagram at all shows that the player is still there.
		pl.heard = p.at
	}
	fields := strings.Fields(string(p.data))
	switch {
	case len(fields) == 2 && fields[0] == "JOIN":
		g.join(p, pl, fields[1])
	case len(fields) == 4 && fields[0] == "INPUT":
		if pl == nil {
			log.Printf("input from %s, which has not joined: ignored", p.from)
			return
		}
		g.input(pl, fields[1:])
	default:
		log.Printf("from %s: not a message: %q", p.from, p.data)
	}
}

// join adds the sender as a player, or refuses it with a reason. A JOIN
// from an address that is already playing is a copy, or a resend of a JOIN
// whose snapshots were lost: it changes nothing.
func (g *game) join(p packet, pl *player, name string) {
	if pl != nil {
		return
	}
	reason := ""
	switch {
	case !validName.MatchString(name):
		reason = "bad name"
	case g.named(name):
		reason = "name taken"
	case len(g.players) >= maxPlayers:
		reason = "full"
	}
	if reason != "" {
		log.Printf("%s wants to join as %q: %s", p.from, name, reason)
		g.send([]byte("REFUSED "+reason+"\n"), p.from)
		return
	}
	g.players[p.from] = &player{name: name, heard: p.at}
	log.Printf("%s joined from %s", name, p.from)
}

func (g *game) named(name string) bool {
	for _, pl := range g.players {
		if pl.name == name {
			return true
		}
	}
	return false
}

// input applies INPUT seq dx dy once, if it is newer than the last input
// applied.
func (g *game) input(pl *player, args []string) {
	seq, err1 := strconv.ParseUint(args[0], 10, 32)
	dx, err2 := strconv.Atoi(args[1])
	dy, err3 := strconv.Atoi(args[2])
	if err := errors.Join(err1, err2, err3); err != nil || seq == 0 || abs(dx) > 1 || abs(dy) > 1 {
		log.Printf("%s: bad input %q: ignored", pl.name, strings.Join(args, " "))
		return
	}
	// Datagrams overtake each other, and arrive twice. Sequence numbers
	// say which input is the newest: one numbered at most the last one
	// applied is older news, or a copy. Applying it would move the player
	// twice, or back in time. A gap (seq jumps by more than one) is a
	// lost input: never wait for it, as TCP would; the next one is here.
	if uint32(seq) <= pl.seq {
		return
	}
	pl.seq = uint32(seq)
	pl.x += int64(dx)
	pl.y += int64(dy)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// evict drops every player silent for the timeout or longer.
func (g *game) evict(now time.Time) {
	for addr, pl := range g.players {
		if now.Sub(pl.heard) >= g.timeout {
			log.Printf("%s (%s) silent for %s: dropped", pl.name, addr, now.Sub(pl.heard).Round(time.Millisecond))
			delete(g.players, addr)
		}
	}
}

// broadcast sends the snapshot of tick n to every player: one datagram,
// the same for all, holding every player's state.
func (g *game) broadcast(n uint64) {
	if len(g.players) == 0 {
		return
	}
	b := fmt.Appendf(nil, "TICK %d\n", n)
	// Sorted by name, so that a human reading snapshots sees the same
	// order every tick; clients may not rely on it.
	players := slices.SortedFunc(func(yield func(*player) bool) {
		for _, pl := range g.players {
			if !yield(pl) {
				return
			}
		}
	}, func(a, b *player) int { return strings.Compare(a.name, b.name) })
	for _, pl := range players {
		b = fmt.Appendf(b, "%s %d %d %d\n", pl.name, pl.x, pl.y, pl.seq)
	}
	if len(b) > maxSnapshot {
		// Cannot happen with 16 players: see maxPlayers.
		log.Printf("tick %d: snapshot of %d bytes", n, len(b))
	}
	for addr := range g.players {
		g.send(b, addr)
	}
}

// send writes one datagram. A failed send concerns one player and one
// tick: the next snapshot will be along in a moment, so it is only logged.
func (g *game) send(b []byte, to netip.AddrPort) {
	if _, err := g.conn.WriteToUDPAddrPort(b, to); err != nil {
		log.Printf("send to %s: %v", to, err)
	}
}
