package scriptcmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTopologyArgs(t *testing.T) {
	o, ok := topologyArgs([]string{"3", "silent=2", "noise"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 3, silent: 2, noise: true}, o)
	o, ok = topologyArgs([]string{"2", "dup"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 2, dup: true}, o)
	o, ok = topologyArgs([]string{"2", "errors"})
	assert.True(t, ok)
	assert.Equal(t, topologyOpts{hops: 2, errs: true}, o)
	for _, bad := range [][]string{nil, {"0"}, {"x"}, {"3", "silent=4"}, {"3", "silent=0"}, {"3", "loud"}, {"1", "errors"}} {
		_, ok := topologyArgs(bad)
		assert.False(t, ok, bad)
	}
}

func TestParseTraceLine(t *testing.T) {
	l := parseTraceLine(" 3  10.0.3.2  0.051 ms *  10.0.9.2  1.2 ms !H")
	assert.Equal(t, "3", l.ttl)
	assert.Equal(t, []string{"10.0.3.2", "10.0.9.2"}, l.addrs)
	assert.Equal(t, 3, l.probes)
	assert.Equal(t, 2, l.times)
	assert.Empty(t, l.bad)
	assert.Equal(t, "router1", parseTraceLine(" 1  router1  0.1 ms").bad)
	assert.Equal(t, "0.1ms", parseTraceLine(" 1  10.0.1.2  0.1ms").bad, "a time is a number, a space, ms")
}

func TestCheckHops(t *testing.T) {
	names := map[string]string{"10.0.1.2": "router 1", "10.0.2.2": "router 2", "10.0.3.2": "the destination"}
	want := []string{"10.0.1.2", "*", "10.0.3.2"}
	check := func(out string, probes int) string {
		return checkHops(strings.Split(out, "\n"), want, probes, "10.0.3.2", names)
	}
	assert.Empty(t, check(" 1  10.0.1.2  0.100 ms  0.020 ms\n 2  * *\n 3  10.0.3.2  0.300 ms  0.040 ms", 2))
	assert.Empty(t, check("1 10.0.1.2 0.1 ms\n2 *\n3 10.0.3.2 0.3 ms", 0), "spacing is free")
	assert.Empty(t, check(" 1  10.0.1.2  0.1 ms  10.0.1.2  0.2 ms\n 2  * *\n 3  10.0.3.2  0.3 ms  10.0.3.2  0.4 ms", 2), "the address again before each time")
	for out, what := range map[string]string{
		" 1  10.0.3.2  0.1 ms":                                                    "the destination 10.0.3.2 answered, but a probe sent with TTL 1",
		" 1  10.0.1.2  0.1 ms\n 2  10.0.1.2  0.1 ms":                              "never answers",
		" 1  10.0.1.2  0.1 ms\n 3  10.0.3.2  0.1 ms\n 2  *":                       `line 2 starts with "3"`,
		" 1  10.0.1.2  0.1 ms\n 2  *":                                             "TTL 3 should have its line",
		" 1  10.0.1.2  0.1 ms\n 2  *\n 3  *":                                      "port unreachable",
		" 1  10.0.1.2  0.1 ms\n 2  *\n 3  10.0.3.2  0.1 ms\n 4  10.0.3.2  0.1 ms": "goes on after the destination",
		" 1  *\n 2  *\n 3  10.0.3.2  0.1 ms":                                      "time exceeded",
		" 1  10.0.1.2  0.1 ms *\n 2  *\n 3  10.0.3.2  0.1 ms":                     "shows 2 probe results, not 1",
		" 1  10.0.1.2  0.1 ms\n 2  *\n 3  10.0.3.2  10.0.1.2  0.1 ms":             "only 10.0.3.2 (the destination) is on the path",
	} {
		assert.Contains(t, check(out, 1), what, out)
	}
}
