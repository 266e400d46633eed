package classroom

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Limits, as root. The worker (the checker grading one submission, and go
// build) lives in one cgroup; the learner's programs in a child of it with
// tighter limits, so a fork bomb or a memory hog stops the program, not
// the grading.
const (
	workerPids     = 1024
	workerMemory   = 3 << 30 // bytes, go build included
	programPids    = 128     // processes and threads of learner programs
	programsMemory = 1 << 30 // bytes, for all of a submission's programs
)

// programUID is who the learner's programs run as when grading as root:
// nobody, with group nogroup.
const programUID = 65534

// sandbox confines a worker. As root, the worker gets a network namespace
// of its own (so concurrent submissions cannot reach each other's ports)
// and cgroups bounding processes and memory, through which everything it
// started is killed, daemons included. Otherwise it gets only a process
// group.
type sandbox struct {
	root     bool
	cgroups  []string // the worker's cgroup folders (one per hierarchy)
	programs []string // their "programs" children
}

func newSandbox() *sandbox { return &sandbox{root: os.Geteuid() == 0} }

func (s *sandbox) procAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if s.root {
		// Its own network (no classmate's ports, no host service), PID
		// space (no classmate's processes to see or signal; everything in
		// it dies with the worker) and mounts (what Lockdown hides).
		a.Cloneflags = syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS
	}
	return a
}

// prepare creates the cgroups (v2 when it is the only hierarchy, else the
// v1 pids and memory controllers), best effort.
func (s *sandbox) prepare() error {
	if !s.root {
		return nil
	}
	name := fmt.Sprintf("socketlings-%d-%d", os.Getpid(), time.Now().UnixNano())
	make := func(dir string, worker, programs map[string]string) {
		if _, err := os.Stat(dir); err != nil {
			return
		}
		g := filepath.Join(dir, name)
		if os.Mkdir(g, 0o755) != nil {
			return
		}
		if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
			// v2: a child needs the controllers enabled by its parent.
			os.WriteFile(filepath.Join(g, "cgroup.subtree_control"), []byte("+pids +memory"), 0o644)
		}
		for f, v := range worker {
			os.WriteFile(filepath.Join(g, f), []byte(v), 0o644)
		}
		p := filepath.Join(g, "programs")
		if os.Mkdir(p, 0o755) == nil {
			for f, v := range programs {
				os.WriteFile(filepath.Join(p, f), []byte(v), 0o644)
			}
			s.programs = append(s.programs, p)
		}
		s.cgroups = append(s.cgroups, g)
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		make("/sys/fs/cgroup",
			map[string]string{"pids.max": strconv.Itoa(workerPids), "memory.max": strconv.Itoa(workerMemory)},
			map[string]string{"pids.max": strconv.Itoa(programPids), "memory.max": strconv.Itoa(programsMemory)})
		return nil
	}
	make("/sys/fs/cgroup/pids",
		map[string]string{"pids.max": strconv.Itoa(workerPids)},
		map[string]string{"pids.max": strconv.Itoa(programPids)})
	make("/sys/fs/cgroup/memory",
		map[string]string{"memory.limit_in_bytes": strconv.Itoa(workerMemory)},
		map[string]string{"memory.limit_in_bytes": strconv.Itoa(programsMemory)})
	return nil
}

// adopt moves the started worker into its cgroups.
func (s *sandbox) adopt(pid int) {
	for _, g := range s.cgroups {
		os.WriteFile(filepath.Join(g, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
	}
}

// destroy kills the worker's process group and everything in its cgroups,
// then removes them. It may be called more than once.
func (s *sandbox) destroy(pid int) {
	unix.Kill(-pid, unix.SIGKILL)
	for _, g := range s.cgroups {
		for _, dir := range []string{filepath.Join(g, "programs"), g} {
			for range 100 {
				procs := readPids(filepath.Join(dir, "cgroup.procs"))
				if len(procs) == 0 {
					break
				}
				for _, p := range procs {
					unix.Kill(p, unix.SIGKILL)
				}
				time.Sleep(10 * time.Millisecond) // the kernel reaps killed processes asynchronously
			}
			os.Remove(dir)
		}
	}
	s.cgroups, s.programs = nil, nil
}

func readPids(path string) []int {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// ConfineTo returns a function that moves a process into each of the
// cgroup folders dirs. The worker gives it to the grader for every learner
// program.
func ConfineTo(dirs []string) func(pid int) {
	return func(pid int) {
		for _, d := range dirs {
			os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644)
		}
	}
}
