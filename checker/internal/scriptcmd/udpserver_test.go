package scriptcmd

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestJudgeTurns(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	a := netip.MustParseAddrPort("127.0.0.1:4000")
	b := netip.MustParseAddrPort("127.0.0.1:4001")
	for _, tc := range []struct {
		name    string
		rec     []arrival
		replied map[string]time.Time
		want    string // part of the failure, "" for none
	}{
		{"one at a time", []arrival{{at(0), "7", a}, {at(10), "8", a}, {at(20), "9", a}},
			map[string]time.Time{"7": at(5), "8": at(15), "9": at(25)}, ""},
		{"retries then answer", []arrival{{at(0), "7", a}, {at(100), "7", a}, {at(300), "7", a}, {at(310), "8", a}},
			map[string]time.Time{"7": at(305), "8": at(315)}, ""},
		{"an earlier run's answer to the same ID", []arrival{{at(0), "7", a}},
			map[string]time.Time{"7": at(-500)}, ""},
		{"pipelined", []arrival{{at(0), "7", a}, {at(1), "8", a}},
			map[string]time.Time{"7": at(200), "8": at(201)}, "before the server had answered request 7"},
		{"next after giving up", []arrival{{at(0), "7", a}, {at(100), "8", a}}, map[string]time.Time{}, "before the server had answered"},
		{"two sockets", []arrival{{at(0), "7", a}, {at(10), "8", b}},
			map[string]time.Time{"7": at(5)}, "came from 127.0.0.1:4001"},
		{"one ID for all", []arrival{{at(0), "7", a}, {at(10), "7", a}},
			map[string]time.Time{"7": at(5)}, "answered already"},
		{"an old ID again", []arrival{{at(0), "7", a}, {at(100), "8", a}, {at(200), "7", a}},
			map[string]time.Time{}, "before the server had answered"},
		{"nothing", nil, nil, "no request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := judgeTurns(tc.rec, tc.replied)
			if tc.want == "" {
				assert.Nil(t, f)
				return
			}
			if assert.NotNil(t, f) {
				assert.True(t, strings.Contains(f.What, tc.want), "%q does not say %q", f.What, tc.want)
			}
		})
	}
}

func TestJudgeWaits(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	a := netip.MustParseAddrPort("127.0.0.1:4000")
	for _, tc := range []struct {
		name   string
		rec    []arrival
		gaveUp bool
		end    int // ms
		want   string
	}{
		{"doubling, then an answer, then a new request",
			[]arrival{{at(0), "7", a}, {at(100), "7", a}, {at(300), "7", a}, {at(310), "8", a}, {at(400), "8", a}}, false, 0, ""},
		{"late waits are fine", []arrival{{at(0), "7", a}, {at(150), "7", a}, {at(600), "7", a}}, false, 0, ""},
		{"a tenth short is fine", []arrival{{at(0), "7", a}, {at(90), "7", a}, {at(270), "7", a}}, false, 0, ""},
		{"a quarter short", []arrival{{at(0), "7", a}, {at(100), "7", a}, {at(250), "7", a}}, false, 0, "try 3 of request 7 came 150ms after try 2"},
		{"second request starts again from -timeout",
			[]arrival{{at(0), "7", a}, {at(100), "7", a}, {at(110), "8", a}, {at(160), "8", a}}, false, 0, "try 2 of request 8 came 50ms"},
		{"gave up after the doubled wait", []arrival{{at(0), "7", a}, {at(100), "7", a}}, true, 300, ""},
		{"gave up after -timeout on the last try", []arrival{{at(0), "7", a}, {at(100), "7", a}}, true, 200, "gave up 100ms after try 2"},
		{"a schedule from the first try, after a late try", []arrival{{at(0), "7", a}, {at(150), "7", a}, {at(300), "7", a}}, false, 0, ""},
		{"a schedule from the first try, cut short", []arrival{{at(0), "7", a}, {at(150), "7", a}, {at(260), "7", a}}, false, 0, "came 160ms after try 2 was due"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := judgeWaits(tc.rec, 100*time.Millisecond, 0.85, tc.gaveUp, at(tc.end))
			if tc.want == "" {
				assert.Nil(t, f)
				return
			}
			if assert.NotNil(t, f) {
				assert.Contains(t, f.What, tc.want)
			}
		})
	}
}
