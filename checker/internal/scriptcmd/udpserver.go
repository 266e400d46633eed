package scriptcmd

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// udpServer is the checker's own request/response server over UDP, for
// lessons whose program is a UDP client. A request is "ID TEXT" (ID in
// decimal digits); the reply is "ID " and TEXT in upper case. It records
// when each request arrived, from where, and when each ID was answered.
type udpServer struct {
	conn  *net.UDPConn
	mode  string
	try   int           // late: the try that is answered
	ids   int           // only the first ids IDs are answered (0: all)
	delay time.Duration // how long each reply waits before it leaves
	wg    sync.WaitGroup
	done  chan struct{}

	mu       sync.Mutex
	arrivals []arrival
	seen     map[string]int       // requests per ID
	rank     map[string]int       // each ID's place in the order IDs first came, from 1
	replied  map[string]time.Time // when the first reply to an ID left
	mark     int                  // udpturns judges the arrivals from here
	firstIDs []string             // the first ID of each run udpturns judged
}

type arrival struct {
	at   time.Time
	id   string
	from netip.AddrPort
}

var udpServerModes = []string{"chatter", "dup", "late", "mute", "normal", "stale"}

func cmdUDPServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpserver")
	use := "udpserver " + strings.Join(udpServerModes, "|") + " [try=N] [ids=N] [delay=D]"
	usage(ts, len(args) >= 1, use)
	usage(ts, slices.Contains(udpServerModes, args[0]), use)
	st := state(ts)
	s := &udpServer{mode: args[0], try: 3, seen: map[string]int{}, rank: map[string]int{}, replied: map[string]time.Time{}, done: make(chan struct{})}
	for _, opt := range args[1:] {
		k, v, _ := strings.Cut(opt, "=")
		var err error
		switch k {
		case "try":
			s.try, err = strconv.Atoi(v)
		case "ids":
			s.ids, err = strconv.Atoi(v)
		case "delay":
			s.delay, err = time.ParseDuration(v)
		default:
			usage(ts, false, use)
		}
		if err != nil {
			ts.Fatalf("udpserver: %s: %v", opt, err)
		}
	}
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	ts.Check(err)
	stampArrivals(c)
	s.conn = c
	st.mu.Lock()
	if st.udpServer != nil {
		st.udpServer.close()
	}
	st.udpServer = s
	st.mu.Unlock()
	s.wg.Go(s.serve)
	ts.Setenv("UDPSERVER", c.LocalAddr().String())
}

func (s *udpServer) serve() {
	buf := make([]byte, maxDatagram+1)
	oob := make([]byte, 128)
	for {
		n, oobn, _, from, err := s.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			return
		}
		id, text, _ := bytes.Cut(buf[:n], []byte(" "))
		s.mu.Lock()
		s.arrivals = append(s.arrivals, arrival{arrivalTime(oob[:oobn]), string(id), from})
		s.seen[string(id)]++
		attempt := s.seen[string(id)]
		if attempt == 1 {
			s.rank[string(id)] = len(s.rank) + 1
		}
		rank := s.rank[string(id)]
		s.mu.Unlock()
		num, err := strconv.ParseUint(string(id), 10, 64)
		if err != nil {
			continue // not a request: no answer, as a real server would
		}
		reply := append(append(append([]byte(nil), id...), ' '), bytes.ToUpper(text)...)
		stale := []byte(strconv.FormatUint(num+1000, 10) + " STALE")
		if s.ids > 0 && rank > s.ids {
			continue // past the IDs this server answers: silence, as mute
		}
		switch s.mode {
		case "mute":
			continue
		case "chatter":
			// No answer, ever, but a stale reply every 30ms from the
			// first request on: a client whose wait starts again with
			// every datagram it reads never gives up.
			if attempt == 1 && len(s.seen) == 1 {
				s.wg.Go(func() { s.chatter(stale, from) })
			}
			continue
		case "late":
			// Only try number s.try of each request is answered.
			if attempt < s.try {
				continue
			}
		}
		if s.delay == 0 {
			s.reply(string(id), reply, stale, from)
			continue
		}
		s.wg.Go(func() {
			select {
			case <-time.After(s.delay):
				s.reply(string(id), reply, stale, from)
			case <-s.done:
			}
		})
	}
}

// reply sends the reply to a request (with what the mode adds) and
// records when it left.
func (s *udpServer) reply(id string, reply, stale []byte, to netip.AddrPort) {
	if s.mode == "stale" {
		// First a datagram with no ID at all, then replies to requests
		// that are not this one: one far from it, and two whose IDs
		// start with this one's digits (a client that compares
		// prefixes takes them).
		s.conn.WriteToUDPAddrPort([]byte("STALE"), to)
		s.conn.WriteToUDPAddrPort(stale, to)
		s.conn.WriteToUDPAddrPort([]byte(id+"0 STALE"), to)
		s.conn.WriteToUDPAddrPort([]byte(id+"x STALE"), to)
	}
	s.mu.Lock()
	if _, ok := s.replied[id]; !ok {
		s.replied[id] = time.Now()
	}
	s.mu.Unlock()
	s.conn.WriteToUDPAddrPort(reply, to)
	if s.mode == "dup" {
		s.conn.WriteToUDPAddrPort(reply, to)
	}
}

func (s *udpServer) chatter(stale []byte, to netip.AddrPort) {
	t := time.NewTicker(30 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.conn.WriteToUDPAddrPort(stale, to)
		case <-s.done:
			return
		}
	}
}

func (s *udpServer) close() {
	close(s.done)
	s.conn.Close()
	s.wg.Wait()
}

func (s *udpServer) record() []arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]arrival(nil), s.arrivals...)
}

func (st *State) theUDPServer(ts *testscript.TestScript) *udpServer {
	st.mu.Lock()
	s := st.udpServer
	st.mu.Unlock()
	if s == nil {
		ts.Fatalf("no udpserver is running")
	}
	return s
}

func cmdUDPAttempts(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpattempts")
	usage(ts, len(args) == 2, "udpattempts MIN MAX")
	st := state(ts)
	lo, err := strconv.Atoi(args[0])
	ts.Check(err)
	hi, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := len(st.theUDPServer(ts).record())
	if got < lo || got > hi {
		st.fail(ts, Failure{What: fmt.Sprintf("the server received %d requests", got),
			Want: fmt.Sprintf("between %d and %d requests", lo, hi), Output: arrivalsNote(st.theUDPServer(ts).record())})
	}
}

func cmdUDPBackoff(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpbackoff")
	const use = "udpbackoff [-first=D] [-skip=F] FACTOR"
	var first time.Duration
	var skip float64
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		k, v, _ := strings.Cut(args[0], "=")
		var err error
		switch k {
		case "-first":
			first, err = time.ParseDuration(v)
		case "-skip":
			skip, err = strconv.ParseFloat(v, 64)
		default:
			usage(ts, false, use)
		}
		if err != nil {
			ts.Fatalf("udpbackoff: %s: %v", args[0], err)
		}
		args = args[1:]
	}
	usage(ts, len(args) == 1, use)
	st := state(ts)
	factor, err := strconv.ParseFloat(args[0], 64)
	ts.Check(err)
	rec := st.theUDPServer(ts).record()
	if len(rec) < 3 {
		st.fail(ts, Failure{What: fmt.Sprintf("only %d requests arrived: too few to see a backoff", len(rec)),
			Want: "at least 3 tries, each waiting longer than the one before", Output: arrivalsNote(rec)})
	}
	gaps := make([]time.Duration, len(rec)-1)
	for i := range gaps {
		gaps[i] = rec[i+1].at.Sub(rec[i].at)
	}
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	if first > 0 && (gaps[0] < first*3/4 || gaps[0] > first*3/2) {
		// The first wait is -timeout. A timer never fires early, but a
		// busy machine runs the program late: the bounds are wide, yet
		// twice -timeout is outside them.
		st.fail(ts, Failure{What: fmt.Sprintf("try 2 came %s after try 1", ms(gaps[0])),
			Want: fmt.Sprintf("the first try waiting -timeout, %s (between %s and %s)", first, first*3/4, first*3/2), Output: arrivalsNote(rec)})
	}
	// Suites ask for less than the program's real factor: timers fire
	// late, and a little jitter is allowed. Comparing each wait with the
	// one two before as well (-skip) tells a doubling from a wait that
	// grows by the same amount each time, whose ratios fall towards 1.
	for i := 1; i < len(gaps); i++ {
		if float64(gaps[i]) < factor*float64(gaps[i-1]) {
			st.fail(ts, Failure{What: fmt.Sprintf("try %d came %s after the one before, which came %s after its own", i+2,
				ms(gaps[i]), ms(gaps[i-1])),
				Want: fmt.Sprintf("each wait at least %.1f times the one before (exponential backoff)", factor), Output: arrivalsNote(rec)})
		}
		if i >= 2 && skip > 0 && float64(gaps[i]) < skip*float64(gaps[i-2]) {
			st.fail(ts, Failure{What: fmt.Sprintf("try %d came %s after the one before it, and try %d %s after the one before it", i+2,
				ms(gaps[i]), i, ms(gaps[i-2])),
				Want: fmt.Sprintf("each wait at least %.1f times the wait two tries before it (doubling: 4 times)", skip), Output: arrivalsNote(rec)})
		}
	}
}

// cmdUDPWaits judges each try's wait against the backoff the lesson
// asks for: try k of a request waits TIMEOUT×2^(k-1). Only a lower bound:
// a timer never fires early, so a correct program's wait, measured from
// the arrival of one try to that of the next (kernel stamps), is never
// shorter than its deadline, while a busy machine can make any wait
// longer.
func cmdUDPWaits(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpwaits")
	const use = "udpwaits [-gaveup] TIMEOUT FLOOR"
	gaveUp, args := leadingFlag(args, "-gaveup")
	usage(ts, len(args) == 2, use)
	timeout, err := time.ParseDuration(args[0])
	ts.Check(err)
	floor, err := strconv.ParseFloat(args[1], 64)
	ts.Check(err)
	st := state(ts)
	rec := st.theUDPServer(ts).record()
	st.mu.Lock()
	end := st.lastRunEnd
	st.mu.Unlock()
	if f := judgeWaits(rec, timeout, floor, gaveUp, end); f != nil {
		st.fail(ts, *f)
	}
}

// judgeWaits finds the first wait shorter than floor times its due: the
// time from one try of a request (a run of arrivals with one ID) to the
// next, and with gaveUp the last try's wait too, up to end, when the
// program was seen to exit. A try that left late is judged from the
// moment it was due (-timeout×(2^(k-1)−1) after try 1): a program that
// computes every deadline of a request from its first try waits less
// after a try the machine made late, and keeps the contract.
func judgeWaits(rec []arrival, timeout time.Duration, floor float64, gaveUp bool, end time.Time) *Failure {
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	due := func(try int) time.Duration { return timeout << (try - 1) }
	times := func(try int) string {
		if try == 1 {
			return "-timeout"
		}
		return fmt.Sprintf("-timeout×%d", 1<<(try-1))
	}
	want := func(try int) string {
		return fmt.Sprintf("try %d waiting %s, %s, for a reply (at least %s: jitter is at most a tenth of a wait)",
			try, times(try), due(try), ms(time.Duration(floor*float64(due(try)))))
	}
	// since is how long after try (which arrived at at) t came, counted
	// from when try was due if it came later than that.
	since := func(first time.Time, try int, at, t time.Time) (time.Duration, string) {
		if sched := first.Add(due(try) - timeout); sched.Before(at) {
			return t.Sub(sched), fmt.Sprintf("try %d was due", try)
		}
		return t.Sub(at), fmt.Sprintf("try %d", try)
	}
	short := func(try int, got time.Duration) bool { return float64(got) < floor*float64(due(try)) }
	if len(rec) == 0 {
		return nil
	}
	try, first := 1, rec[0].at
	for i := 1; i < len(rec); i++ {
		if rec[i].id != rec[i-1].id {
			try, first = 1, rec[i].at // a new request: its first try waits -timeout again
			continue
		}
		if got, from := since(first, try, rec[i-1].at, rec[i].at); short(try, got) {
			return &Failure{What: fmt.Sprintf("try %d of request %s came %s after %s", try+1, rec[i].id, ms(got), from),
				Want: want(try), Output: arrivalsNote(rec)}
		}
		try++
	}
	last := rec[len(rec)-1]
	if got, from := since(first, try, last.at, end); gaveUp && short(try, got) {
		return &Failure{What: fmt.Sprintf("the program gave up %s after %s, the last try of request %s", ms(got), from, last.id),
			Want: want(try) + " before giving up", Output: arrivalsNote(rec)}
	}
	return nil
}

func cmdUDPTurns(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpturns")
	usage(ts, len(args) == 0 || (len(args) == 1 && args[0] == "-fresh"), "udpturns [-fresh]")
	st := state(ts)
	s := st.theUDPServer(ts)
	s.mu.Lock()
	rec := append([]arrival(nil), s.arrivals[s.mark:]...)
	s.mark = len(s.arrivals)
	replied := maps.Clone(s.replied)
	if len(rec) > 0 {
		s.firstIDs = append(s.firstIDs, rec[0].id)
	}
	firstIDs := slices.Clone(s.firstIDs)
	s.mu.Unlock()
	if f := judgeTurns(rec, replied); f != nil {
		st.fail(ts, *f)
	}
	if len(args) == 1 && len(firstIDs) >= 3 && !slices.ContainsFunc(firstIDs, func(id string) bool { return id != firstIDs[0] }) {
		st.fail(ts, Failure{What: fmt.Sprintf("the first request of each of %d runs carried the same ID, %s", len(firstIDs), firstIDs[0]),
			Want: "a random first ID, different from one run to the next"})
	}
}

// judgeTurns judges one run's requests, as the udpserver received them:
// one source address, each ID's tries together, a new ID only after the
// answer to the one before left, no ID again after its answer.
func judgeTurns(rec []arrival, replied map[string]time.Time) *Failure {
	if len(rec) == 0 {
		return &Failure{What: "the server received no request from this run", Want: "one request per -msg"}
	}
	// Answers that left before this run began are an earlier run's.
	answered := func(id string) (time.Time, bool) {
		at, ok := replied[id]
		return at, ok && !at.Before(rec[0].at)
	}
	done := map[string]bool{} // IDs that were over when another began
	for i, a := range rec {
		if a.from != rec[0].from {
			return &Failure{What: fmt.Sprintf("request %d came from %s, and request 1 from %s", i+1, a.from, rec[0].from),
				Want: "every request and every try of one run sent from the same socket", Output: arrivalsNote(rec)}
		}
		if at, ok := answered(a.id); ok && a.at.After(at) {
			return &Failure{What: fmt.Sprintf("request %d carries ID %s, whose request had been answered already", i+1, a.id),
				Want: "a new ID for every request", Output: arrivalsNote(rec)}
		}
		if i == 0 || a.id == rec[i-1].id {
			continue
		}
		prev := rec[i-1].id
		if done[a.id] {
			return &Failure{What: fmt.Sprintf("request %d carries ID %s again, after requests with other IDs", i+1, a.id),
				Want: "a new ID for every request, and every try of a request before the next request", Output: arrivalsNote(rec)}
		}
		done[prev] = true
		if at, ok := answered(prev); !ok || a.at.Before(at) {
			return &Failure{What: fmt.Sprintf("request %d (ID %s) arrived before the server had answered request %s", i+1, a.id, prev),
				Want: "one request at a time: the next one sent only after the reply to the one before arrived", Output: arrivalsNote(rec)}
		}
	}
	return nil
}

func arrivalsNote(rec []arrival) string {
	if len(rec) == 0 {
		return "the server received nothing\n"
	}
	var b strings.Builder
	b.WriteString("requests as the server received them:\n")
	for i, a := range rec {
		fmt.Fprintf(&b, "  %7.3fs  id %s from %s\n", a.at.Sub(rec[0].at).Seconds(), a.id, a.from)
		if i >= 30 {
			fmt.Fprintf(&b, "  … (%d in all)\n", len(rec))
			break
		}
	}
	return b.String()
}
