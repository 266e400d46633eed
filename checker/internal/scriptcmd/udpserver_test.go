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
