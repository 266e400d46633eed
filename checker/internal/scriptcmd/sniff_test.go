package scriptcmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSniffDistance(t *testing.T) {
	assert.Equal(t, 0, sniffDistance("UDP len=5", "UDP len=5"))
	assert.Equal(t, 1, sniffDistance("UDP len=5", "UDP len=6"))
	assert.Equal(t, 3, sniffDistance("", "abc"))
	assert.Equal(t, 2, sniffDistance("flags=S.", "flags=P"))
}

func TestSniffClosestShowsTheNearestLinesInOrder(t *testing.T) {
	lines := []string{
		"sniffing on lo",
		"IPv4 127.0.0.1 > 127.0.0.2 ttl=64 ICMP echo-request id=1 seq=1",
		"IPv4 127.0.0.1:263 > 127.0.0.2:2824 ttl=64 UDP len=32504",
		"ETHER type=0x88b5 len=46",
		"IPv4 127.0.0.2:40700 > 127.0.0.1:58520 ttl=64 UDP len=12",
	}
	got := sniffClosest(lines, "IPv4 127.0.0.1:58520 > 127.0.0.2:40700 ttl=64 UDP len=12")
	assert.True(t, strings.HasPrefix(got, "4 lines about packets"), got)
	wrong := strings.Index(got, "127.0.0.1:263")
	reply := strings.Index(got, "127.0.0.2:40700 >")
	assert.True(t, wrong > 0 && reply > wrong, "both UDP lines, in the order printed:\n%s", got)
	assert.NotContains(t, got, "sniffing on")

	assert.Contains(t, sniffClosest([]string{"sniffing on lo"}, "x"), "no line about any packet")
}

func TestSniffCountIsExact(t *testing.T) {
	lines := []string{"a b", "a b ", "a b", "a  b"}
	assert.Equal(t, 2, sniffCount(lines, "a b"))
}
