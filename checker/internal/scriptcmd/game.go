package scriptcmd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Lesson 23's game protocol, as the checker's players speak it: JOIN and
// INPUT go to the server, snapshots ("TICK n" then "name x y seq" lines)
// and "REFUSED reason" come back.

// maxSnapshot is the most a snapshot may take, so that it fits one
// datagram on any IPv6 path without fragments.
const maxSnapshot = 1200

var (
	gameTickLine   = regexp.MustCompile(`^TICK (0|[1-9][0-9]{0,19})$`)
	gamePlayerLine = regexp.MustCompile(`^([A-Za-z0-9_-]{1,16}) (-?[0-9]{1,19}) (-?[0-9]{1,19}) ([0-9]{1,10})$`)
)

// gamePos is one player's line of a snapshot.
type gamePos struct {
	x, y int64
	seq  uint64
}

func (p gamePos) line(name string) string { return fmt.Sprintf("%s %d %d %d", name, p.x, p.y, p.seq) }

// snapshot is one parsed snapshot.
type snapshot struct {
	tick    uint64
	players map[string]gamePos
	raw     []byte
	at      time.Time
}

// parseSnapshot checks a datagram against the snapshot format.
func parseSnapshot(b []byte) (snapshot, error) {
	s := snapshot{raw: b, players: map[string]gamePos{}}
	if len(b) > maxSnapshot {
		return s, fmt.Errorf("a snapshot of %d bytes: at most %d fit in one datagram on every path", len(b), maxSnapshot)
	}
	text, ok := strings.CutSuffix(string(b), "\n")
	if !ok {
		return s, errors.New("a snapshot must end with a newline, as each of its lines does")
	}
	lines := strings.Split(text, "\n")
	m := gameTickLine.FindStringSubmatch(lines[0])
	if m == nil {
		return s, fmt.Errorf("the first line, %q, is not \"TICK n\"", lines[0])
	}
	var err error
	if s.tick, err = strconv.ParseUint(m[1], 10, 64); err != nil {
		return s, fmt.Errorf("the first line, %q: %v", lines[0], err)
	}
	for _, l := range lines[1:] {
		m := gamePlayerLine.FindStringSubmatch(l)
		if m == nil {
			return s, fmt.Errorf("the line %q is not \"name x y seq\"", l)
		}
		if _, dup := s.players[m[1]]; dup {
			return s, fmt.Errorf("%s has two lines", m[1])
		}
		var p gamePos
		var e1, e2, e3 error
		p.x, e1 = strconv.ParseInt(m[2], 10, 64)
		p.y, e2 = strconv.ParseInt(m[3], 10, 64)
		p.seq, e3 = strconv.ParseUint(m[4], 10, 32)
		if err := errors.Join(e1, e2, e3); err != nil {
			return s, fmt.Errorf("the line %q: %v", l, err)
		}
		s.players[m[1]] = p
	}
	return s, nil
}

// lines returns the player lines, sorted, for a report.
func (s snapshot) lines() []string {
	var out []string
	for name, p := range s.players {
		out = append(out, p.line(name))
	}
	slices.Sort(out)
	return out
}

func (s snapshot) String() string {
	if s.raw == nil {
		return "no snapshot"
	}
	return strings.Join(append([]string{fmt.Sprintf("TICK %d", s.tick)}, s.lines()...), " | ")
}

// gameRead waits until the deadline for the next datagram at p and parses
// it as a snapshot. A datagram from another address, or one that is not a
// snapshot, is a failure; a deadline that passes returns ok false.
func gameRead(p *udpPeer, deadline time.Time) (snapshot, bool, *Failure) {
	buf := make([]byte, maxDatagram+1)
	oob := make([]byte, stampOOB)
	p.conn.SetReadDeadline(deadline)
	n, oobn, _, from, err := p.conn.ReadMsgUDPAddrPort(buf, oob)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return snapshot{}, false, nil
	case err != nil:
		return snapshot{}, false, &Failure{What: fmt.Sprintf("receiving a datagram failed: %v", err)}
	case from.Addr().Unmap() != p.target.Addr().Unmap() || from.Port() != p.target.Port():
		return snapshot{}, false, &Failure{What: fmt.Sprintf("a datagram came from %s, not from the server's address %s", from, p.target),
			Got: Show(buf[:n]), Want: "every datagram sent from the socket the players talk to"}
	}
	s, err := parseSnapshot(append([]byte(nil), buf[:n]...))
	s.at = time.Now()
	if at, ok := kernelStamp(oob[:oobn]); ok {
		// When it arrived, not when a busy checker got round to it.
		s.at = at
	}
	if err != nil {
		what := "a datagram that is not a snapshot: " + err.Error()
		if strings.HasPrefix(string(buf[:n]), "REFUSED") {
			what = "the server refused to let this player join"
		}
		return s, false, &Failure{What: what, Got: Show(buf[:n]),
			Want: "a snapshot: \"TICK n\\n\", then one \"name x y seq\\n\" line per player, in one datagram of at most 1200 bytes"}
	}
	return s, true, nil
}

// queuedWait says how long a read that drains c may wait: ok is false when
// the kernel says no datagram is queued. Where it says one is, the read
// finds it at once, and the wait only bounds a read gone wrong; where it
// does not say, a millisecond (a deadline already past fails the read
// before it looks at the socket).
func queuedWait(c *net.UDPConn) (wait time.Duration, ok bool) {
	queued, known := waiting(c)
	switch {
	case known && !queued:
		return 0, false
	case known:
		return time.Second, true
	}
	return time.Millisecond, true
}

// gameDrain reads and checks every datagram already waiting at p.
func gameDrain(p *udpPeer) *Failure {
	_, f := gameDrained(p)
	return f
}

// gameDrained is gameDrain, and returns the snapshots it read.
func gameDrained(p *udpPeer) ([]snapshot, *Failure) {
	var out []snapshot
	for {
		wait, ok := queuedWait(p.conn)
		if !ok {
			return out, nil
		}
		s, ok, f := gameRead(p, time.Now().Add(wait))
		if f != nil || !ok {
			return out, f
		}
		out = append(out, s)
	}
}

// tickTime estimates when, by the checker's clock, the server made s's
// tick: each snapshot leaves after its tick, so the least delayed of those
// seen places the server's tick 0, and s's tick is tick durations after it.
// Never earlier than the tick was made.
func tickTime(seen []snapshot, s snapshot, tick time.Duration) time.Time {
	epoch := s.at.Add(-time.Duration(s.tick) * tick)
	for _, o := range seen {
		if e := o.at.Add(-time.Duration(o.tick) * tick); e.Before(epoch) {
			epoch = e
		}
	}
	return epoch.Add(time.Duration(s.tick) * tick)
}

// silenceTick is the first tick of the snapshots seen (oldest first) at
// which player gone shows the input number it showed last: the server had
// heard gone's last datagram by then. Without gone in any, the first tick.
func silenceTick(seen []snapshot, gone string) uint64 {
	last, found := uint64(0), false
	for _, s := range seen {
		if p, ok := s.players[gone]; ok {
			last, found = p.seq, true
		}
	}
	for _, s := range seen {
		if p, ok := s.players[gone]; ok && found && p.seq == last {
			return s.tick
		}
	}
	return seen[0].tick
}

// soonest returns the earlier of a and b.
func soonest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func parseWanted(ts *testscript.TestScript, lines []string) map[string]gamePos {
	want := map[string]gamePos{}
	for _, l := range lines {
		s, err := parseSnapshot([]byte("TICK 0\n" + l + "\n"))
		if err != nil || len(s.players) != 1 {
			ts.Fatalf("%q is not a player line \"name x y seq\"", l)
		}
		for name, p := range s.players {
			want[name] = p
		}
	}
	return want
}

func cmdGameSnap(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gamesnap")
	usage(ts, len(args) >= 2, "gamesnap NAME LINE...")
	st := state(ts)
	p := st.udpPeer(ts, args[0])
	want := parseWanted(ts, args[1:])
	wantLines := slices.Sorted(func(yield func(string) bool) {
		for name, pos := range want {
			if !yield(pos.line(name)) {
				return
			}
		}
	})
	// Snapshots come every tick, and the checks tick every 20ms or
	// faster: a second is fifty ticks, time enough for any input to show.
	const wait = time.Second
	end := st.deadline(wait)
	var last snapshot
	for {
		s, ok, f := gameRead(p, end)
		if f != nil {
			f.Want = "a snapshot in which " + strings.Join(wantLines, ", ") + "; " + f.Want
			st.fail(ts, *f)
		}
		if !ok {
			break
		}
		if last.raw != nil && s.tick <= last.tick {
			st.fail(ts, Failure{What: fmt.Sprintf("the tick numbers went from %d to %d: each snapshot's tick is later than the one before", last.tick, s.tick),
				Got: s.String(), Want: fmt.Sprintf("TICK %d or more", last.tick+1)})
		}
		last = s
		if !gameReached(s, want) {
			continue
		}
		if got := s.lines(); !slices.Equal(got, wantLines) {
			st.fail(ts, Failure{What: fmt.Sprintf("the snapshot of tick %d shows the world other than it should be", s.tick),
				Got: strings.Join(got, "\n"), Want: strings.Join(wantLines, "\n")})
		}
		return
	}
	what := fmt.Sprintf("no snapshot within %s showed %s", wait, strings.Join(wantLines, ", "))
	if last.raw == nil {
		what = fmt.Sprintf("no snapshot arrived within %s", wait)
	}
	st.fail(ts, Failure{What: what, Got: "the last snapshot: " + last.String(), Want: strings.Join(wantLines, "\n")})
}

// gameReached reports whether every wanted player is in s with the wanted
// seq: the snapshot that must then match exactly.
func gameReached(s snapshot, want map[string]gamePos) bool {
	for name, w := range want {
		if got, ok := s.players[name]; !ok || got.seq != w.seq {
			return false
		}
	}
	return true
}

func cmdGameRefused(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gamerefused")
	usage(ts, len(args) == 1, "gamerefused NAME")
	st := state(ts)
	p := st.udpPeer(ts, args[0])
	got, from, err := udpReceive(st, p, idleTimeout)
	want := "one datagram \"REFUSED reason\\n\" from " + p.target.String()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		st.fail(ts, Failure{What: fmt.Sprintf("no answer within %s", idleTimeout), Want: want})
	case err != nil:
		st.fail(ts, Failure{What: fmt.Sprintf("receiving a datagram failed: %v", err), Want: want})
	case from != p.target:
		st.fail(ts, Failure{What: fmt.Sprintf("the answer came from %s, not from %s", from, p.target), Got: Show(got), Want: want})
	case !strings.HasPrefix(string(got), "REFUSED ") || !strings.HasSuffix(string(got), "\n") || strings.Count(string(got), "\n") != 1:
		st.fail(ts, Failure{What: "the server did not refuse this JOIN", Got: Show(got), Want: want})
	}
}

func cmdGameQuiet(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gamequiet")
	usage(ts, len(args) == 2, "gamequiet NAME DURATION")
	st := state(ts)
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	p := st.udpPeer(ts, args[0])
	// What was sent before now is old news; what comes after is not.
	buf := make([]byte, maxDatagram+1)
	for {
		wait, ok := queuedWait(p.conn)
		if !ok {
			break
		}
		p.conn.SetReadDeadline(time.Now().Add(wait))
		if _, _, err := p.conn.ReadFromUDPAddrPort(buf); err != nil {
			break
		}
	}
	got, from, err := udpReceive(st, p, d)
	if err == nil {
		st.fail(ts, Failure{What: fmt.Sprintf("a datagram arrived from %s for a player the server should have dropped", from), Got: Show(got),
			Want: "nothing for " + d.String()})
	}
}

// cmdGameKeep keeps a player in the game from now to the end of the
// script: a copy of its JOIN every 50ms, sent by the checker in the
// background, so that a check about another player does not lose this one
// while a busy machine holds the script up between commands.
func cmdGameKeep(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gamekeep")
	usage(ts, len(args) == 2, "gamekeep NAME PLAYER")
	st := state(ts)
	l := joinLoop(st.udpPeer(ts, args[0]), args[1], 50*time.Millisecond)
	ts.Defer(func() { l.stop() })
}

// joinLoop sends "JOIN player" from p at once, then every period, from a
// goroutine of the checker, until its stop is called.
func joinLoop(p *udpPeer, player string, every time.Duration) *loader {
	l := newLoader()
	keep := []byte("JOIN " + player)
	quit := make(chan struct{})
	l.halt = func() { close(quit) }
	go func() {
		defer close(l.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			before := time.Now()
			if _, err := p.conn.WriteToUDPAddrPort(keep, p.target); err == nil {
				l.record(sendSpan{before, time.Now()})
			}
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return l
}

// joinLoad is joinLoop from a helper process where one can be started
// (udpload_linux.go), whose sends keep their period however busy the
// checker is; else from a goroutine.
func (st *State) joinLoad(p *udpPeer, player string, every time.Duration) *loader {
	l := newLoader()
	halt, err := startLoadHelper(st.ctx, p, []byte("JOIN "+player), every, l)
	if err != nil {
		return joinLoop(p, player, every)
	}
	l.halt = func() {
		halt()
		close(l.done)
	}
	return l
}

// loader is a joinLoop at work: the sends made so far, and how to stop it.
type loader struct {
	mu    sync.Mutex
	sends []sendSpan
	once  sync.Once
	halt  func()        // asks the sender to stop
	done  chan struct{} // closed when every send is recorded
}

func newLoader() *loader { return &loader{done: make(chan struct{})} }

func (l *loader) record(s sendSpan) {
	l.mu.Lock()
	l.sends = append(l.sends, s)
	l.mu.Unlock()
}

// sent returns the sends made so far.
func (l *loader) sent() []sendSpan {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sendSpan(nil), l.sends...)
}

// stop ends the loop and returns every send it made.
func (l *loader) stop() []sendSpan {
	l.once.Do(l.halt)
	<-l.done
	return l.sent()
}

// sendSpan brackets one send: the clock read just before the call and just
// after it returned. A checker short of CPU may be held up on either side
// of the call, so only the bracket is sure to hold the moment the datagram
// left.
type sendSpan struct{ from, to time.Time }

func cmdGameEvict(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gameevict")
	// With -tick, the floor is judged by the server's own clock, its tick
	// numbers, which follow the clock whatever the load: a server that
	// runs late, stamping what it hears by its ticks, is not taken for
	// one that evicts early.
	var tickDur time.Duration
	if len(args) > 0 {
		if v, ok := strings.CutPrefix(args[0], "-tick="); ok {
			d, err := time.ParseDuration(v)
			ts.Check(err)
			tickDur, args = d, args[1:]
		}
	}
	usage(ts, len(args) == 5, "gameevict [-tick=D] NAME PLAYER GONE MIN MAX")
	st := state(ts)
	p := st.udpPeer(ts, args[0])
	name, gone := args[1], args[2]
	lo, err := time.ParseDuration(args[3])
	ts.Check(err)
	hi, err := time.ParseDuration(args[4])
	ts.Check(err)
	// Snapshots already waiting were sent before the check began; on a
	// loaded machine, after the silence began too: they are kept, to find
	// the tick at which the server had heard the silent player last.
	seen, f := gameDrained(p)
	if f != nil {
		st.fail(ts, *f)
	}
	start := time.Now()
	end := st.deadline(hi)
	keep := []byte("JOIN " + name)
	for time.Now().Before(end) {
		// A copy of its JOIN every 50ms: it changes nothing, but it
		// shows that this player is still there.
		udpSend(ts, st, p, keep)
		next := soonest(end, time.Now().Add(50*time.Millisecond))
		for {
			s, ok, f := gameRead(p, next)
			if f != nil {
				st.fail(ts, *f)
			}
			if !ok {
				break
			}
			if _, ok := s.players[name]; !ok {
				st.fail(ts, Failure{What: fmt.Sprintf("%s was dropped %s after the check began, though it sent a datagram every 50ms", name, time.Since(start).Round(time.Millisecond)),
					Got: s.String(), Want: fmt.Sprintf("%s in every snapshot: any datagram from a player keeps it in the game", name)})
			}
			seen = append(seen, s)
			if _, ok := s.players[gone]; ok {
				continue
			}
			if tickDur > 0 {
				// Two ticks of slack around the tick at which the
				// server had heard the last datagram.
				firstTick := silenceTick(seen, gone)
				silent := time.Duration(s.tick-firstTick+2) * tickDur
				// A server held up between reading a datagram and
				// showing it in a snapshot shows it late, so the
				// snapshots can make the silence look shorter than it
				// was. The checker's own last send to it bounds it: the
				// server cannot have heard the player after that.
				if last := st.lastUDPSend(gone); !last.IsZero() {
					if upper := tickTime(seen, s, tickDur).Sub(last) + 2*tickDur; upper > silent {
						silent = upper
					}
				}
				if silent < lo {
					st.fail(ts, Failure{What: fmt.Sprintf("%s was dropped %d ticks after the silence began (%s by the server's clock), before its timeout", gone, s.tick-firstTick, silent),
						Got: s.String(), Want: fmt.Sprintf("%s still there for at least %s", gone, lo)})
				}
				return
			}
			if after := time.Since(start); after < lo {
				st.fail(ts, Failure{What: fmt.Sprintf("%s was dropped after %s of silence, before its timeout", gone, after.Round(time.Millisecond)),
					Got: s.String(), Want: fmt.Sprintf("%s still there for at least %s", gone, lo)})
			}
			return
		}
	}
	st.fail(ts, Failure{What: fmt.Sprintf("%s, silent for %s, is still in the game", gone, hi),
		Want: fmt.Sprintf("a snapshot without %s: a player silent for -timeout is dropped at the next tick", gone)})
}

func cmdGameTicks(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gameticks")
	usage(ts, len(args) == 3 || len(args) == 5, "gameticks NAME TICK DURATION [LOADNAME PLAYER]")
	st := state(ts)
	p := st.udpPeer(ts, args[0])
	tick, err := time.ParseDuration(args[1])
	ts.Check(err)
	dur, err := time.ParseDuration(args[2])
	ts.Check(err)
	if len(args) == 3 {
		samples, f := gameSamples(st, p, dur)
		if f != nil {
			st.fail(ts, *f)
		}
		if f := judgeTicks(samples, tick, dur); f != nil {
			st.fail(ts, *f)
		}
		return
	}
	// With a load, another player sends a copy of its JOIN every
	// millisecond: the server is busy with datagrams all along, as a real
	// one is with inputs.
	load := st.joinLoad(st.udpPeer(ts, args[3]), args[4], time.Millisecond)
	ts.Defer(func() { load.stop() })
	samples, f := gameSamples(st, p, dur)
	// A checker short of CPU leaves gaps in the load, and a server whose
	// tick each datagram pushes back ticks in them: those stretches do not
	// count, and the measurement goes on, up to busyRounds times as long,
	// until enough of it had the load.
	for round := 1; f == nil && round < busyRounds; round++ {
		if _, covered := busySpans(load.sent(), tick); covered >= busyEnough*tick {
			break
		}
		samples, f = gameCollect(p, st.deadline(dur), samples)
	}
	sends := load.stop()
	if f != nil {
		st.fail(ts, *f)
	}
	if f := judgeTicks(samples, tick, dur); f != nil {
		st.fail(ts, *f)
	}
	if f := judgeBusy(samples, sends, tick); f != nil {
		st.fail(ts, *f)
	}
}

// busyRounds bounds how many measurements gameticks makes under load, and
// busyEnough is how many ticks' worth of loaded time it needs to judge.
const (
	busyRounds = 4
	busyEnough = 30
)

// busySpans are the stretches in which the loader's datagrams left at
// most a quarter tick apart, however late the checker read its clock
// around each send, and how long they last in all.
func busySpans(sends []sendSpan, tick time.Duration) (busy []sendSpan, covered time.Duration) {
	for i := 1; i < len(sends); i++ {
		// The longest the gap between these two datagrams can have been.
		gap := sends[i].to.Sub(sends[i-1].from)
		if gap > tick/4 {
			continue
		}
		if n := len(busy); n > 0 && !busy[n-1].to.Before(sends[i-1].from) {
			covered += sends[i].to.Sub(busy[n-1].to)
			busy[n-1].to = sends[i].to
			continue
		}
		busy = append(busy, sendSpan{sends[i-1].from, sends[i].to})
		covered += gap
	}
	return busy, covered
}

// judgeBusy checks that snapshots kept coming while the loader's datagrams
// did. Only the stretches where the loader surely sent at least every
// quarter tick count (busySpans), and in them at least half the ticks must
// have brought a snapshot, stamped by the kernel as it arrived. A loader
// that never had enough of such time cannot tell a server whose tick each
// datagram pushes back from one that keeps its clock: that is reported,
// not passed.
func judgeBusy(samples []snapshot, sends []sendSpan, tick time.Duration) *Failure {
	busy, covered := busySpans(sends, tick)
	expect := int(covered / tick)
	if expect < busyEnough {
		return &Failure{
			What: fmt.Sprintf("the checker could not keep a datagram going every millisecond: in %d sends, only %s of the time had one at least every %s, too little to judge whether datagrams push the tick back",
				len(sends), covered.Round(time.Millisecond), tick/4),
			Want: "the machine less busy: rerun the check",
		}
	}
	got := 0
	for _, s := range samples {
		for _, b := range busy {
			if !s.at.Before(b.from) && !s.at.After(b.to) {
				got++
				break
			}
		}
	}
	if got*2 >= expect {
		return nil
	}
	return &Failure{
		What: fmt.Sprintf("while another player sent a datagram every millisecond (%s of the time), only %d snapshots came, for %d ticks", covered.Round(time.Millisecond), got, expect),
		Want: "a snapshot every tick, however many datagrams arrive: datagrams must not push the tick back",
	}
}

// gameSamples collects the snapshots that arrive at p for dur, after the
// ones already waiting.
func gameSamples(st *State, p *udpPeer, dur time.Duration) ([]snapshot, *Failure) {
	if f := gameDrain(p); f != nil {
		return nil, f
	}
	return gameCollect(p, st.deadline(dur), nil)
}

// gameCollect reads snapshots at p until end and appends them to out, each
// with a tick above the one before.
func gameCollect(p *udpPeer, end time.Time, out []snapshot) ([]snapshot, *Failure) {
	for {
		s, ok, f := gameRead(p, end)
		if f != nil {
			return nil, f
		}
		if !ok {
			return out, nil
		}
		if n := len(out); n > 0 && s.tick <= out[n-1].tick {
			return nil, &Failure{What: fmt.Sprintf("the tick numbers went from %d to %d: each snapshot's tick is later than the one before", out[n-1].tick, s.tick),
				Got: s.String(), Want: fmt.Sprintf("TICK %d or more", out[n-1].tick+1)}
		}
		out = append(out, s)
	}
}

// tickTolerance is how far the tick numbers may stray from the clock over
// a measurement, as a fraction of its length.
const tickTolerance = 0.01

// judgeTicks compares the tick numbers of samples with the clock. Each
// snapshot arrives some time after its tick, never before: the smallest
// of (arrival - tick×TICK) over the first quarter of the samples, and over
// the last quarter, estimate where the server's clock stood, free of most
// of the delays on the way. A server on time has the same offset at both
// ends; one whose ticks drift has a later one at the end. Too few samples
// to judge is a failure; a twentieth of the ticks is enough (a correct
// server starved of CPU on a busy machine sends fewer than a quarter).
func judgeTicks(samples []snapshot, tick, dur time.Duration) *Failure {
	expect := int(dur / tick)
	if len(samples) < max(8, expect/20) {
		return &Failure{What: fmt.Sprintf("only %d snapshots arrived in %s, at -tick %s: %d ticks", len(samples), dur, tick, expect),
			Want: "a snapshot every tick"}
	}
	base := samples[0].at
	offset := func(s snapshot) time.Duration {
		return s.at.Sub(base) - time.Duration(s.tick-samples[0].tick)*tick
	}
	q := len(samples) / 4
	first, last := offset(samples[0]), offset(samples[len(samples)-1])
	for _, s := range samples[:q] {
		first = min(first, offset(s))
	}
	for _, s := range samples[len(samples)-q:] {
		last = min(last, offset(s))
	}
	span := samples[len(samples)-1].at.Sub(base)
	drift := last - first
	allowed := time.Duration(tickTolerance * float64(span))
	if drift > allowed || drift < -allowed {
		ticks := samples[len(samples)-1].tick - samples[0].tick
		return &Failure{
			What: fmt.Sprintf("in %s the tick numbers went from %d to %d, %d ticks: the server's clock drifted %s from the real one",
				span.Round(time.Millisecond), samples[0].tick, samples[len(samples)-1].tick, ticks, drift.Round(100*time.Microsecond)),
			Got:  fmt.Sprintf("%.1f ticks a second", float64(ticks)/span.Seconds()),
			Want: fmt.Sprintf("%.1f ticks a second (-tick %s), within %.0f%%", float64(time.Second)/float64(tick), tick, 100*tickTolerance),
		}
	}
	return nil
}

func cmdGameLossy(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "gamelossy")
	usage(ts, len(args) == 3, "gamelossy NAME PLAYER N")
	st := state(ts)
	p := st.udpPeer(ts, args[0])
	name := args[1]
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	var proxy *udpProxy
	st.mu.Lock()
	for _, x := range st.proxies {
		if x.front.LocalAddr().String() == p.target.String() {
			proxy = x
		}
	}
	st.mu.Unlock()
	if proxy == nil {
		ts.Fatalf("gamelossy: %s does not talk to a proxy", args[0])
	}
	var sent [][]byte // every datagram sent through the proxy, in order
	send := func(b []byte) {
		sent = append(sent, b)
		udpSend(ts, st, p, b)
	}
	check := func(s snapshot) {
		pos, ok := s.players[name]
		if ok && (pos.x < 0 || pos.x > int64(pos.seq) || pos.y != 0) {
			st.fail(ts, Failure{What: fmt.Sprintf("after inputs 1 to %d, each a move of 1 0, %s is at %d %d: some input was applied twice", pos.seq, name, pos.x, pos.y),
				Got: s.String(), Want: fmt.Sprintf("x at most %d, y 0: each input applied at most once", pos.seq)})
		}
	}
	// wait sends text every 50ms until a snapshot shows name with a seq
	// of at least seq.
	wait := func(text string, seq uint64, why string) gamePos {
		end := st.deadline(2 * time.Second)
		var last snapshot
		for time.Now().Before(end) {
			send([]byte(text))
			next := soonest(end, time.Now().Add(50*time.Millisecond))
			for {
				s, ok, f := gameRead(p, next)
				if f != nil {
					st.fail(ts, *f)
				}
				if !ok {
					break
				}
				check(s)
				if last.raw == nil || s.tick > last.tick {
					last = s
				}
				if pos, ok := s.players[name]; ok && pos.seq >= seq {
					return pos
				}
			}
		}
		st.fail(ts, Failure{What: fmt.Sprintf("%s within 2s, sending %q every 50ms", why, text),
			Got: "the latest snapshot: " + last.String()})
		return gamePos{}
	}
	wait("JOIN "+name, 0, fmt.Sprintf("no snapshot listed %s", name))
	for i := 1; i <= n; i++ {
		send(fmt.Appendf(nil, "INPUT %d 1 0", i))
	}
	final := wait(fmt.Sprintf("INPUT %d 1 0", n), uint64(n),
		fmt.Sprintf("the server never applied input %d: some earlier input was lost, and the server must not wait for it", n))
	// Which inputs reached the server, from the proxy's record: its k-th
	// datagram towards the server is the k-th that this command sent.
	proxy.mu.Lock()
	var fates []fate
	for _, f := range proxy.fates {
		if f.dir == "→" {
			fates = append(fates, f)
		}
	}
	proxy.mu.Unlock()
	delivered, plain := map[string]bool{}, map[string]bool{}
	for i, f := range fates[:min(len(fates), len(sent))] {
		text := string(sent[i])
		if !strings.HasPrefix(text, "INPUT ") || strings.Contains(f.what, "dropped") {
			continue
		}
		delivered[text] = true
		if !strings.Contains(f.what, "reordered") {
			plain[text] = true
		}
	}
	// An input that arrives in its turn is applied; one that was held back
	// may be overtaken, and is then stale; one never delivered is not.
	lo, hi := int64(len(plain)), int64(len(delivered))
	if final.x < lo || final.x > hi {
		st.fail(ts, Failure{
			What: fmt.Sprintf("after input %d, %s is at x %d: of inputs 1 to %d, each a move of 1 0, %d reached the server and %d of those in their turn", n, name, final.x, n, hi, lo),
			Got:  fmt.Sprintf("%s %d %d %d", name, final.x, final.y, final.seq),
			Want: fmt.Sprintf("x from %d (every input that came in its turn applied) to %d (every input that came applied once)", lo, hi),
		})
	}
}
