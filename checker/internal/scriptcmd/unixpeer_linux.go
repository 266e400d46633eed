package scriptcmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// unixPeerEnv makes the checker (or a test binary) a one-shot helper that
// connects to the Unix socket it names as another user and hands the
// connection back over file descriptor 3.
const unixPeerEnv = "SOCKETLINGS_UNIX_PEER"

// unixPeerProbe, as the helper's path, asks it only to start and exit:
// canDialAs uses it to find out whether helpers can be started at all.
const unixPeerProbe = "-"

// canDialAs reports whether dialAs can work here: the checker is root and
// can start a helper as another user (it cannot in a user namespace where
// that uid is not mapped, or without CAP_SETUID).
var canDialAs = sync.OnceValue(func() bool {
	if os.Geteuid() != 0 {
		return false
	}
	// Bounded: a program that does not call RunHelperIfAsked first
	// would not exit at once.
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Env = []string{unixPeerEnv + "=" + unixPeerProbe}
	cmd.SysProcAttr = helperAttr(helperProbeUID)
	return cmd.Run() == nil
})

// helperProbeUID is the uid canDialAs tries, one the suites use too.
const helperProbeUID = 4242

// helperAttr starts a helper as uid (and gid uid), with no supplementary
// groups, keeping CAP_DAC_OVERRIDE: another user cannot pass through the
// checker's folders, nor write to a socket file of mode 0600, and what it
// may reach is not what its connection tests.
func helperAttr(uid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:     true,
		Credential:  &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid), Groups: []uint32{}},
		AmbientCaps: []uintptr{unix.CAP_DAC_OVERRIDE},
	}
}

// runUnixPeerIfAsked turns this process into the helper of `unixdial
// -uid=N` when it was started as one, and then exits (RunHelperIfAsked):
// SO_PEERCRED names the process that called connect, so
// connecting as another uid takes another process, since a Go program
// cannot safely change the user of one of its threads.
func runUnixPeerIfAsked() {
	path := os.Getenv(unixPeerEnv)
	if path == "" {
		return
	}
	if path == unixPeerProbe {
		os.Exit(0)
	}
	if err := connectAndHandBack(path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func connectAndHandBack(path string) error {
	short, done, err := shortSocketPath(path)
	if err != nil {
		return err
	}
	defer done()
	c, err := net.DialTimeout("unix", short, readyTimeout)
	if err != nil {
		return err
	}
	f, err := c.(*net.UnixConn).File()
	if err != nil {
		return err
	}
	back := os.NewFile(3, "back")
	return unix.Sendmsg(int(back.Fd()), []byte{0}, unix.UnixRights(int(f.Fd())), nil, 0)
}

// dialAs connects to the stream socket at path from a helper process
// running as uid (and gid uid), and returns the connection with the
// helper's pid, the pid the server sees. Only root can do this.
func (st *State) dialAs(uid int, path string) (*net.UnixConn, int, error) {
	if os.Geteuid() != 0 {
		return nil, 0, errors.New("connecting as another user needs the checker to run as root")
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("socketpair: %w", err)
	}
	ours := os.NewFile(uintptr(pair[0]), "ours")
	theirs := os.NewFile(uintptr(pair[1]), "theirs")
	defer ours.Close()
	defer theirs.Close()

	cmd := exec.CommandContext(st.ctx, "/proc/self/exe")
	cmd.Env = []string{unixPeerEnv + "=" + path}
	cmd.ExtraFiles = []*os.File{theirs}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = helperAttr(uid)
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start a helper as uid %d: %w", uid, err)
	}
	theirs.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(time.Until(st.deadline(readyTimeout))):
		cmd.Process.Kill()
		<-done
		return nil, 0, fmt.Errorf("the helper connecting as uid %d did not finish", uid)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("connecting as uid %d: %v: %s", uid, err, strings.TrimSpace(stderr.String()))
	}
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(int(ours.Fd()), buf, oob, unix.MSG_DONTWAIT)
	if err != nil {
		return nil, 0, fmt.Errorf("receive the helper's connection: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, 0, fmt.Errorf("the helper sent no connection")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, 0, fmt.Errorf("the helper sent no connection")
	}
	f := os.NewFile(uintptr(fds[0]), "peer")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, 0, err
	}
	return c.(*net.UnixConn), cmd.Process.Pid, nil
}

// maxSunPath is how long a socket path may be: sun_path holds 108 bytes,
// its terminating zero included.
const maxSunPath = 107

// shortSocketPath returns a name for the socket file at path (absolute)
// that fits sun_path, and a function to call once the name is no longer
// used. A path too long is reached through a descriptor of its folder:
// /proc/self/fd/N/NAME, which the kernel resolves for bind and connect.
// The checker's folders can be long (a class grader's /tmp, inside
// another), and only this process may use the short name.
func shortSocketPath(path string) (string, func(), error) {
	if len(path) <= maxSunPath || strings.HasPrefix(path, "@") {
		return path, func() {}, nil
	}
	fd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, fmt.Errorf("open the folder of %s: %w", path, err)
	}
	short := fmt.Sprintf("/proc/self/fd/%d/%s", fd, filepath.Base(path))
	if len(short) > maxSunPath {
		unix.Close(fd)
		return "", nil, fmt.Errorf("socket name %q is too long for sun_path", filepath.Base(path))
	}
	return short, func() { unix.Close(fd) }, nil
}
