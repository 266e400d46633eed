// Command game-server is lesson 23: an authoritative real-time game server
// over UDP. Read README.md first; it states exactly what the checker
// expects.
//
// Run it:     go run ./lessons/23-game-server -addr 127.0.0.1:0
// Check it:   go run ./checker lesson23
//
// The goroutine that reads datagrams is written for you; binding and the
// readiness line are lesson 11's. The game is yours: the loop and its
// clock, joining, inputs, eviction and snapshots.
package main

import (
	"errors"
	"flag"
	"log"
	"net"
	"net/netip"
	"time"
)

const (
	maxPlayers  = 16   // so that a snapshot fits maxSnapshot
	maxSnapshot = 1200 // bytes: one datagram on any path, unfragmented
)

// player is one player's state, as the server holds it.
type player struct {
	name  string
	x, y  int64
	seq   uint32    // the seq of the last input applied, 0 before any
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

	// TODO: bind a UDP socket to *addr (net.ResolveUDPAddr, then
	// net.ListenUDP; on failure log.Fatalf).

	// TODO: on SIGINT or SIGTERM (signal.Notify), close the socket: read
	// then sees net.ErrClosed and closes packets, which ends g.run.

	// TODO: print "listening on " and conn.LocalAddr() to stdout, as in
	// lesson 11 (after signal.Notify).

	// TODO: make the packets channel (a buffer of a few hundred), start
	// go read(conn, packets), make the game and call g.run(*tick, packets):
	//   g := &game{conn: conn, players: map[netip.AddrPort]*player{}, timeout: *timeout}
	log.Fatalf("lesson 23 is not done yet: no socket is bound to %s", *addr)
}

// read hands a copy of every datagram to the game loop until conn is
// closed, then closes packets.
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

// game is the world. Only the game loop touches it.
type game struct {
	conn    *net.UDPConn
	players map[netip.AddrPort]*player
	timeout time.Duration
}

// run is the game loop: it applies packets as they come and, at every tick
// of the clock, drops the silent players and sends the snapshot, until
// packets is closed.
func (g *game) run(tick time.Duration, packets <-chan packet) {
	// TODO: make a time.Ticker for tick, and note the time you start. In a
	// loop, select on packets (return when the channel is closed, else
	// g.handle the packet) and on the ticker: the tick number is the
	// clock's, (now - start) / tick, never a count of loop turns; skip a
	// number already sent; then g.evict(now) and g.broadcast(n).
	for p := range packets {
		g.handle(p)
	}
}

// handle applies one datagram: JOIN name, or INPUT seq dx dy. Anything else
// is logged to stderr and ignored.
func (g *game) handle(p packet) {
	// TODO: if the sender is a player, note that it was heard at p.at
	// (any datagram counts). Split the text into fields (a trailing
	// newline is allowed), then:
	//   JOIN name: from an address already playing, nothing; a name that
	//   is not 1 to 16 of A-Z a-z 0-9 - _, a name another player holds, or
	//   a seventeenth player: send "REFUSED reason\n"; else add a player
	//   at 0 0 with seq 0.
	//   INPUT seq dx dy: from a player only; seq 1 to 4294967295, dx and
	//   dy -1, 0 or 1, or ignore it. Apply it only if seq is above the
	//   player's last seq (an older one is stale, an equal one a copy),
	//   and never wait for a missing seq.
	log.Printf("lesson 23 is not done yet: ignoring %q from %s", p.data, p.from)
}

// evict drops every player silent for the timeout or longer.
func (g *game) evict(now time.Time) {
	// TODO: delete each player whose last datagram is -timeout old or
	// older, and log it.
}

// broadcast sends the snapshot of tick n to every player.
func (g *game) broadcast(n uint64) {
	// TODO: build "TICK n\n" and one "name x y seq\n" line per player in
	// one buffer, and send that buffer, one datagram, to every player
	// with g.conn.WriteToUDPAddrPort; log a failed send and go on.
}
