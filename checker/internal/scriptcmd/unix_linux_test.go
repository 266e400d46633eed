package scriptcmd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestMain lets this test binary be the checker's helpers (unixdial -uid,
// gameticks' load, roundtrip -interrupt), as the checker is.
func TestMain(m *testing.M) {
	RunHelperIfAsked()
	os.Exit(m.Run())
}

func testState(t *testing.T) *State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return NewState(ctx, "", "")
}

// TestShortSocketPath: a socket in a folder whose path is too long for
// sun_path is bound and reached through the folder's descriptor.
func TestShortSocketPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	require.NoError(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "s.sock")
	short, done, err := shortSocketPath(path)
	require.NoError(t, err)
	defer done()
	assert.Less(t, len(short), maxSunPath)
	ln, err := net.Listen("unix", short)
	require.NoError(t, err)
	defer ln.Close()
	_, err = os.Lstat(path)
	require.NoError(t, err, "the socket file is in the long folder")

	st := testState(t)
	c, err := st.unixDial(path)
	require.NoError(t, err)
	c.Close()

	same, _, err := shortSocketPath("/tmp/s.sock")
	require.NoError(t, err)
	assert.Equal(t, "/tmp/s.sock", same, "a short path stays as it is")
}

// TestReadLineFDs: the descriptor sent with a line arrives with it, even
// read a byte at a time, and nothing after the line is consumed.
func TestReadLineFDs(t *testing.T) {
	a, b := unixPair(t)
	f, err := os.Open("unix.go")
	require.NoError(t, err)
	defer f.Close()
	_, _, err = a.WriteMsgUnix([]byte("OK unix.go\nnext\n"), unix.UnixRights(int(f.Fd())), nil)
	require.NoError(t, err)

	st := testState(t)
	line, fds, err := readLineFDs(st, b)
	require.NoError(t, err)
	assert.Equal(t, "OK unix.go", string(line))
	require.Len(t, fds, 1)
	passed := os.NewFile(uintptr(fds[0]), "passed")
	defer passed.Close()
	head := make([]byte, len("package scriptcmd"))
	_, err = passed.Read(head)
	require.NoError(t, err)
	assert.Equal(t, "package scriptcmd", string(head))

	line, fds, err = readLineFDs(st, b)
	require.NoError(t, err)
	assert.Equal(t, "next", string(line))
	assert.Empty(t, fds)
}

func unixPair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	conn := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "pair")
		defer f.Close()
		c, err := net.FileConn(f)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c.(*net.UnixConn)
	}
	return conn(fds[0]), conn(fds[1])
}

// TestDialAs: the helper connects as another uid, and the server's
// SO_PEERCRED names that uid and the helper's pid.
func TestDialAs(t *testing.T) {
	if !canDialAs() {
		t.Skip("connecting as another uid needs root, and the power to start a process as another user")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "s.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	defer ln.Close()
	// Mode 0700 folder, mode 0755 socket of root: CAP_DAC_OVERRIDE must
	// get the helper through both.
	require.NoError(t, os.Chmod(dir, 0o700))

	creds := make(chan *unix.Ucred, 1)
	go func() {
		c, err := ln.AcceptUnix()
		if err != nil {
			creds <- nil
			return
		}
		defer c.Close()
		raw, _ := c.SyscallConn()
		var cred *unix.Ucred
		raw.Control(func(fd uintptr) {
			cred, _ = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
		})
		creds <- cred
	}()
	st := testState(t)
	c, pid, err := st.dialAs(4242, path)
	require.NoError(t, err)
	defer c.Close()
	cred := <-creds
	require.NotNil(t, cred)
	assert.Equal(t, uint32(4242), cred.Uid)
	assert.Equal(t, int32(pid), cred.Pid)
	assert.NotEqual(t, os.Getpid(), pid)
}

// TestUnixInteropTools: socat and OpenBSD netcat talk to lesson 19's
// solution as its README shows, stream and datagram.
func TestUnixInteropTools(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build lesson 19's solution")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "unix19")
	out, err := exec.Command(goTool, "build", "-o", bin, "../../../solutions/19-unix-sockets").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hi\n"), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serve := func(args ...string) (socket string, pid int) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err)
		_, socket, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), ":")
		require.True(t, ok, "readiness line %q", line)
		return socket, cmd.Process.Pid
	}
	// run feeds input to a tool and returns its output.
	run := func(input string, name string, args ...string) string {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(input)
		out, err := cmd.Output()
		require.NoError(t, err, "%s %v: %s", name, args, out)
		return string(out)
	}
	whoami := func(out string, server int) {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 2, "%q", out)
		var uid, pid int
		_, err := fmt.Sscanf(lines[0], "uid=%d pid=%d", &uid, &pid)
		require.NoError(t, err, "%q", lines[0])
		assert.Equal(t, os.Getuid(), uid)
		assert.NotEqual(t, server, pid, "the tool's pid, not the server's")
		assert.Equal(t, "BYE", lines[1])
	}

	socket, server := serve("-socket", filepath.Join(dir, "s.sock"), "-dir", dir)
	gram, _ := serve("-dgram", "-socket", filepath.Join(dir, "g.sock"))
	abstract, _ := serve("-dgram", "-socket", "@socketlings-test-"+strconv.Itoa(os.Getpid()))

	t.Run("socat", func(t *testing.T) {
		socat, err := exec.LookPath("socat")
		if err != nil {
			t.Skip("socat is not installed (Debian package socat)")
		}
		whoami(run("WHOAMI\nQUIT\n", socat, "-", "UNIX-CONNECT:"+socket), server)
		assert.Equal(t, "OK hello.txt\nBYE\n", run("OPEN hello.txt\nQUIT\n", socat, "-", "UNIX-CONNECT:"+socket),
			"socat reads with read(2): the line comes, the descriptor does not")
		assert.Equal(t, "datagram\n", run("datagram\n", socat, "-t", "1", "-", "UNIX-SENDTO:"+gram+",bind="+filepath.Join(dir, "me.sock")))
		assert.Equal(t, "abstract\n", run("abstract\n", socat, "-t", "1", "-", "ABSTRACT-SENDTO:"+abstract[1:]+",bind=@socketlings-me-"+strconv.Itoa(os.Getpid())))
	})
	t.Run("nc", func(t *testing.T) {
		nc, err := exec.LookPath("nc")
		if err != nil {
			t.Skip("nc is not installed (Debian package netcat-openbsd)")
		}
		if help, _ := exec.Command(nc, "-h").CombinedOutput(); !strings.Contains(string(help), "OpenBSD") {
			t.Skip("nc is not OpenBSD netcat (Debian package netcat-openbsd), whose -U this test uses")
		}
		whoami(run("WHOAMI\nQUIT\n", nc, "-U", socket), server)
		assert.Equal(t, "bye\n", run("bye\n", nc, "-U", "-u", "-w1", gram))
	})
}

// TestGramReceiveJudges: a whole echo from the target passes; a cut one,
// or one from another socket, fails with what went wrong.
func TestGramReceiveJudges(t *testing.T) {
	st := testState(t)
	name := func(what string) string {
		return fmt.Sprintf("@socketlings-test-%d-%s-%d", os.Getpid(), what, time.Now().UnixNano())
	}
	server, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name("server"), Net: "unixgram"})
	require.NoError(t, err)
	defer server.Close()
	peer, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name("peer"), Net: "unixgram"})
	require.NoError(t, err)
	defer peer.Close()
	target := server.LocalAddr().(*net.UnixAddr)
	p := &gramPeer{conn: peer, target: target, name: target.Name, abs: target.Name}
	want := []byte("a datagram of some length")

	_, err = server.WriteToUnix(want, peer.LocalAddr().(*net.UnixAddr))
	require.NoError(t, err)
	assert.Nil(t, gramReceive(st, p, want))

	_, err = server.WriteToUnix(want[:10], peer.LocalAddr().(*net.UnixAddr))
	require.NoError(t, err)
	f := gramReceive(st, p, want)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "boundaries")

	other, err := net.DialUnix("unixgram", nil, peer.LocalAddr().(*net.UnixAddr))
	require.NoError(t, err)
	defer other.Close()
	_, err = other.Write(want)
	require.NoError(t, err)
	f = gramReceive(st, p, want)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "unnamed socket")
}
