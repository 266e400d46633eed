package scriptcmd

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSnapshot(t *testing.T) {
	s, err := parseSnapshot([]byte("TICK 17\nbob -1 2 3\nann 0 0 0\n"))
	require.NoError(t, err)
	assert.Equal(t, uint64(17), s.tick)
	assert.Equal(t, []string{"ann 0 0 0", "bob -1 2 3"}, s.lines())
	s, err = parseSnapshot([]byte("TICK 0\n"))
	require.NoError(t, err)
	assert.Empty(t, s.players)

	for _, bad := range []string{
		"TICK 1\nann 0 0 0",              // no final newline
		"TICK x\n",                       // not a number
		"TICK 01\n",                      // a leading zero
		"tick 1\n",                       // lower case
		"TICK 1\nann 0 0\n",              // a field missing
		"TICK 1\nann 0 0 0 \n",           // a trailing space
		"TICK 1\nann 0 0 0\nann 1 1 1\n", // a player twice
		"TICK 1\nann 0 0 4294967296\n",   // seq beyond 32 bits
		"TICK 1\n\n",                     // an empty line
		"TICK 1\n" + strings.Repeat("x", maxSnapshot) + "\n",
	} {
		_, err := parseSnapshot([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

// ticks returns snapshots numbered from first, one every tick, each
// arriving late by delay(i).
func ticks(n int, first uint64, tick time.Duration, delay func(i int) time.Duration) []snapshot {
	base := time.Now()
	out := make([]snapshot, n)
	for i := range out {
		out[i] = snapshot{tick: first + uint64(i), at: base.Add(time.Duration(i)*tick + delay(i)), raw: []byte{}}
	}
	return out
}

func TestJudgeTicks(t *testing.T) {
	const tick = 2 * time.Millisecond
	// On time, with a jitter of up to 5ms on most snapshots: passes.
	onTime := ticks(500, 10, tick, func(i int) time.Duration {
		return time.Duration(i%7) * 700 * time.Microsecond
	})
	assert.Nil(t, judgeTicks(onTime, tick, time.Second))

	// Each period 0.1ms too long, 50ms behind after 500 ticks: fails.
	slow := ticks(500, 10, tick, func(i int) time.Duration { return time.Duration(i) * 100 * time.Microsecond })
	f := judgeTicks(slow, tick, time.Second)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "drifted")

	// Ticks numbered too fast (a tick of 1ms where 2ms was asked): fails.
	fast := ticks(500, 10, tick, func(i int) time.Duration { return -time.Duration(i) * time.Millisecond })
	assert.NotNil(t, judgeTicks(fast, tick, time.Second))

	// Tick numbers that skip when the server is late, but follow the
	// clock: passes.
	skips := ticks(500, 10, tick, func(int) time.Duration { return 0 })
	for i := 200; i < 500; i++ {
		skips[i].tick += 3
		skips[i].at = skips[i].at.Add(3 * tick)
	}
	assert.Nil(t, judgeTicks(skips, tick, time.Second))

	// Too few snapshots: fails.
	assert.NotNil(t, judgeTicks(onTime[:5], tick, time.Second))
}

func TestJudgeBusy(t *testing.T) {
	const tick = 10 * time.Millisecond
	base := time.Now()
	at := func(d time.Duration) time.Time { return base.Add(d) }
	// sends returns a send every millisecond over [from, to), each call
	// taking 20µs.
	sends := func(from, to time.Duration) []sendSpan {
		var out []sendSpan
		for d := from; d < to; d += time.Millisecond {
			out = append(out, sendSpan{at(d), at(d + 20*time.Microsecond)})
		}
		return out
	}
	// snaps returns a snapshot every tick over [from, to).
	snaps := func(from, to time.Duration) []snapshot {
		var out []snapshot
		for d := from; d < to; d += tick {
			out = append(out, snapshot{tick: uint64(d / tick), at: at(d + 300*time.Microsecond), raw: []byte{}})
		}
		return out
	}

	// A second of load and a snapshot every tick: passes.
	assert.Nil(t, judgeBusy(snaps(0, time.Second), sends(0, time.Second), tick))

	// A server whose tick each datagram pushes back ticks only in the
	// loader's gaps: fails.
	var gappy []sendSpan
	var inGaps []snapshot
	for d := time.Duration(0); d < time.Second; d += 20 * time.Millisecond {
		gappy = append(gappy, sends(d, d+8*time.Millisecond)...)
		inGaps = append(inGaps, snapshot{tick: uint64(d / tick), at: at(d + 18*time.Millisecond), raw: []byte{}})
	}
	f := judgeBusy(inGaps, gappy, tick)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "only 0 snapshots")

	// The same, where the loader read its clock 10.7ms late after the
	// send that began each gap, so that the clock readings after the sends
	// alone show no gap: the gap still does not count as loaded.
	for i := range gappy[:len(gappy)-1] {
		if gappy[i+1].from.Sub(gappy[i].from) > time.Millisecond {
			gappy[i].to = gappy[i].to.Add(10700 * time.Microsecond)
		}
	}
	f = judgeBusy(inGaps, gappy, tick)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "only 0 snapshots")

	// Too little loaded time to judge: reported, not passed.
	f = judgeBusy(snaps(0, time.Second), sends(0, 200*time.Millisecond), tick)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "could not keep")
}

// TestGameInteropSocat: socat plays lesson 23's solution as its README
// shows, one datagram per line.
func TestGameInteropSocat(t *testing.T) {
	socat, err := exec.LookPath("socat")
	if err != nil {
		t.Skip("socat is not installed (Debian package socat)")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build lesson 23's solution")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "game-server")
	out, err := exec.Command(goTool, "build", "-o", bin, "../../../solutions/23-game-server").CombinedOutput()
	require.NoError(t, err, "%s", out)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-tick", "100ms")
	stdout, err := srv.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))

	// socat sends each line as a datagram; "INPUT 1" twice is a copy.
	c := exec.CommandContext(ctx, socat, "-t", "0.5", "-", "UDP:"+addr)
	in, err := c.StdinPipe()
	require.NoError(t, err)
	got, err := c.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, c.Start())
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	go func() {
		for _, l := range []string{"JOIN ann", "INPUT 1 1 0", "INPUT 1 1 0", "INPUT 2 0 1"} {
			fmt.Fprintln(in, l)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	r := bufio.NewReader(got)
	for {
		l, err := r.ReadString('\n')
		require.NoError(t, err, "socat's output ended before ann reached 1 1")
		if strings.TrimSpace(l) == "ann 1 1 2" {
			return
		}
		assert.NotEqual(t, "ann 2 0 1", strings.TrimSpace(l), "the copy of INPUT 1 was applied")
	}
}
