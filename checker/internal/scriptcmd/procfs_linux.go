package scriptcmd

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func cmdProcStat(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "procstat")
	usage(ts, len(args) == 2, "procstat FIELD MAXKB")
	st := state(ts)
	limit, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	p := st.runningServer(ts)
	kb, err := statusField(p.Pid(), args[0])
	ts.Check(err)
	if kb > limit {
		st.fail(ts, Failure{What: fmt.Sprintf("the server's %s is %d KiB", args[0], kb),
			Want: fmt.Sprintf("at most %d KiB: a program must not allocate what a peer merely announces", limit)})
	}
}

// statusField reads a "kB" field, such as VmHWM, of /proc/PID/status.
func statusField(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			v := strings.Fields(rest)
			if len(v) == 0 {
				break
			}
			return strconv.ParseInt(v[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no field %s in /proc/%d/status", field, pid)
}

func cmdFDs(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "fds")
	onlySockets := len(args) == 2 && args[0] == "-sockets"
	if onlySockets {
		args = args[1:]
	}
	usage(ts, len(args) == 1, "fds [-sockets] MAX")
	st := state(ts)
	limit, err := strconv.Atoi(args[0])
	ts.Check(err)
	p := st.runningServer(ts)
	// The server may still be closing connections whose clients just left:
	// give it a moment to get under the limit.
	var open, sockets int
	for deadline := st.deadline(time.Second); ; {
		open, sockets, err = countFDs(p.Pid())
		ts.Check(err)
		if onlySockets {
			open = sockets
		}
		if open <= limit || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel's table
	}
	if open > limit && onlySockets {
		st.fail(ts, Failure{What: fmt.Sprintf("the server has %d sockets open", sockets),
			Want: fmt.Sprintf("at most %d (the listening socket, and the connections still in use): close every connection's descriptor when you are done with it (shutdown sends a FIN but keeps the descriptor)", limit)})
	}
	if open > limit {
		st.fail(ts, Failure{What: fmt.Sprintf("the server has %d file descriptors open (%d of them sockets)", open, sockets),
			Want: fmt.Sprintf("at most %d: close every connection when you are done with it", limit)})
	}
}

func countFDs(pid int) (open, sockets int, err error) {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("list the server's descriptors: %w", err)
	}
	for _, e := range entries {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			sockets++
		}
	}
	return len(entries), sockets, nil
}

// tcpStates are the kernel's TCP state numbers, as /proc/net/tcp shows them.
var tcpStates = map[string]string{
	"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04",
	"FIN_WAIT2": "05", "TIME_WAIT": "06", "CLOSE": "07", "CLOSE_WAIT": "08",
	"LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B",
}

func cmdSockets(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "sockets")
	usage(ts, len(args) == 2, "sockets STATE MAX")
	st := state(ts)
	code, ok := tcpStates[args[0]]
	usage(ts, ok, "sockets STATE MAX, with STATE one of ESTABLISHED, TIME_WAIT, CLOSE_WAIT, LISTEN, ...")
	limit, err := strconv.Atoi(args[1])
	ts.Check(err)
	port, err := strconv.Atoi(ts.Getenv("PORT"))
	ts.Check(err)
	var n int
	for deadline := st.deadline(time.Second); ; {
		n, err = countSockets(port, code)
		ts.Check(err)
		if n <= limit || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel's table
	}
	if n > limit {
		st.fail(ts, Failure{What: fmt.Sprintf("%d connections on the server's port %d are in state %s", n, port, args[0]),
			Want: fmt.Sprintf("at most %d", limit)})
	}
}

// countSockets counts the TCP sockets with local port port in state code,
// from /proc/net/tcp and /proc/net/tcp6.
func countSockets(port int, code string) (int, error) {
	want := fmt.Sprintf(":%04X", port)
	n := 0
	for _, table := range []string{"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			if table == "/proc/thread-self/net/tcp6" {
				continue // no IPv6 on this machine
			}
			return 0, fmt.Errorf("read socket table: %w", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st ...
			fields := strings.Fields(sc.Text())
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == code {
				n++
			}
		}
		f.Close()
	}
	return n, nil
}

// tcpEnd finds the TCP socket whose local port is local and whose peer's
// port is remote in /proc/net/tcp and /proc/net/tcp6, and says whether it
// is in state ESTABLISHED. On loopback the pair of ports names one end of
// one connection. The kernel's table may change while it is read, so a
// socket not found now may be found by the next look.
func tcpEnd(local, remote int) (found, established bool, err error) {
	wantLocal, wantRemote := fmt.Sprintf(":%04X", local), fmt.Sprintf(":%04X", remote)
	for _, table := range []string{"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			if table == "/proc/thread-self/net/tcp6" {
				continue // no IPv6 on this machine
			}
			return false, false, fmt.Errorf("read socket table: %w", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st ...
			fields := strings.Fields(sc.Text())
			if len(fields) > 3 && strings.HasSuffix(fields[1], wantLocal) && strings.HasSuffix(fields[2], wantRemote) {
				f.Close()
				return true, fields[3] == tcpStates["ESTABLISHED"], nil
			}
		}
		f.Close()
	}
	return false, false, nil
}

// processState is the state letter of process pid in /proc/PID/stat (R, S,
// T, Z...); ok is false when there is no such process.
func processState(pid int) (state byte, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The state follows the command's name, which is in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return 0, false
	}
	return b[i+2], true
}

// processEnded reports whether process pid has exited: a zombie not yet
// reaped, or gone.
func processEnded(pid int) bool {
	state, ok := processState(pid)
	return !ok || state == 'Z' || state == 'X'
}
