package scriptcmd

import (
	"bytes"
	"fmt"
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
// when each request arrived.
type udpServer struct {
	conn *net.UDPConn
	mode string
	wg   sync.WaitGroup

	mu       sync.Mutex
	arrivals []arrival
	seen     map[string]int // requests per ID
}

type arrival struct {
	at time.Time
	id string
}

var udpServerModes = []string{"dup", "late", "mute", "normal", "stale"}

func cmdUDPServer(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "udpserver")
	use := "udpserver " + strings.Join(udpServerModes, "|")
	usage(ts, len(args) == 1, use)
	usage(ts, slices.Contains(udpServerModes, args[0]), use)
	st := state(ts)
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	ts.Check(err)
	s := &udpServer{conn: c, mode: args[0], seen: map[string]int{}}
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
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		id, text, _ := bytes.Cut(buf[:n], []byte(" "))
		s.mu.Lock()
		s.arrivals = append(s.arrivals, arrival{time.Now(), string(id)})
		s.seen[string(id)]++
		attempt := s.seen[string(id)]
		s.mu.Unlock()
		num, err := strconv.ParseUint(string(id), 10, 64)
		if err != nil {
			continue // not a request: no answer, as a real server would
		}
		reply := append(append(append([]byte(nil), id...), ' '), bytes.ToUpper(text)...)
		switch s.mode {
		case "mute":
			continue
		case "late":
			// Only the third try of each request is answered.
			if attempt < 3 {
				continue
			}
		case "stale":
			// First a reply to a request that is not this one.
			stale := strconv.FormatUint(num+1000, 10) + " STALE"
			s.conn.WriteToUDPAddrPort([]byte(stale), from)
		}
		s.conn.WriteToUDPAddrPort(reply, from)
		if s.mode == "dup" {
			s.conn.WriteToUDPAddrPort(reply, from)
		}
	}
}

func (s *udpServer) close() {
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
	usage(ts, len(args) == 1, "udpbackoff FACTOR")
	st := state(ts)
	factor, err := strconv.ParseFloat(args[0], 64)
	ts.Check(err)
	rec := st.theUDPServer(ts).record()
	if len(rec) < 3 {
		st.fail(ts, Failure{What: fmt.Sprintf("only %d requests arrived: too few to see a backoff", len(rec)),
			Want: "at least 3 tries, each waiting longer than the one before", Output: arrivalsNote(rec)})
	}
	// Each gap must be at least FACTOR times the one before: timers are
	// not exact, so suites ask for less than the program's real factor.
	for i := 2; i < len(rec); i++ {
		prev, gap := rec[i-1].at.Sub(rec[i-2].at), rec[i].at.Sub(rec[i-1].at)
		if float64(gap) < factor*float64(prev) {
			st.fail(ts, Failure{What: fmt.Sprintf("try %d came %s after the one before, which came %s after its own", i+1,
				gap.Round(time.Millisecond), prev.Round(time.Millisecond)),
				Want: fmt.Sprintf("each wait at least %.1f times the one before (exponential backoff)", factor), Output: arrivalsNote(rec)})
		}
	}
}

func arrivalsNote(rec []arrival) string {
	if len(rec) == 0 {
		return "the server received nothing\n"
	}
	var b strings.Builder
	b.WriteString("requests as the server received them:\n")
	for i, a := range rec {
		fmt.Fprintf(&b, "  %7.3fs  id %s\n", a.at.Sub(rec[0].at).Seconds(), a.id)
		if i >= 30 {
			fmt.Fprintf(&b, "  … (%d in all)\n", len(rec))
			break
		}
	}
	return b.String()
}
