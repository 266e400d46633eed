package grader

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/netns"
	"github.com/socketlings/socketlings/checker/internal/proc"
	"github.com/socketlings/socketlings/checker/internal/results"
	"github.com/socketlings/socketlings/checker/internal/scriptcmd"
)

// workerEnv makes the checker (or a test binary) a lesson worker: it grades
// one lesson inside the network namespace it was started in, and writes the
// result as JSON on stdout.
const workerEnv = "SOCKETLINGS_NETNS_WORKER"

type isolatedJob struct {
	Lesson   int      `json:"lesson"`
	Dir      string   `json:"dir"`
	CacheDir string   `json:"cache_dir"`
	Seed     uint64   `json:"seed"`
	Verbose  bool     `json:"verbose"`
	Checks   []string `json:"checks"`
	Jobs     int      `json:"jobs"`
	// User is who the learner's programs run as, if not the worker's user.
	User *proc.User `json:"user,omitempty"`
}

// RunWorkerIfAsked turns this process into a lesson worker when the grader
// started it as one, and then exits. Call it first in main (and TestMain).
// It also runs the checker's own helpers (scriptcmd.RunHelperIfAsked).
func RunWorkerIfAsked() {
	scriptcmd.RunHelperIfAsked()
	spec := os.Getenv(workerEnv)
	if spec == "" {
		return
	}
	os.Unsetenv(workerEnv) // not for the learner's programs
	res, err := runWorker(spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	json.NewEncoder(os.Stdout).Encode(res)
	os.Exit(0)
}

func runWorker(spec string) (results.Result, error) {
	var job isolatedJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		return results.Result{}, fmt.Errorf("lesson worker: %w", err)
	}
	if err := netns.LoopbackUp(); err != nil {
		return results.Result{}, err
	}
	l, ok := catalog.Find(fmt.Sprint(job.Lesson))
	if !ok {
		return results.Result{}, fmt.Errorf("lesson worker: no lesson %d", job.Lesson)
	}
	return Grade(context.Background(), Options{
		Lesson: l, Dir: job.Dir, CacheDir: job.CacheDir, Seed: job.Seed, Verbose: job.Verbose,
		Checks: job.Checks, Jobs: job.Jobs, User: job.User, inNamespace: true,
	})
}

// selfExe names this program for running it again. /proc/self/exe works
// even where the program's path is hidden (a class worker's private /tmp).
func selfExe() (string, error) {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe", nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the checker's own program: %w", err)
	}
	return self, nil
}

// isolatedCheck runs one check in a worker started in a new network
// namespace. When no namespace can be made, it returns why, for the lesson
// to be skipped.
func isolatedCheck(ctx context.Context, o Options, s catalog.Script) (results.Check, string, error) {
	c := results.Check{Name: s.Name, Title: s.Title, Hint: o.Lesson.Hint(s.Name)}
	self, err := selfExe()
	if err != nil {
		return c, "", err
	}
	spec, err := json.Marshal(isolatedJob{Lesson: o.Lesson.Number, Dir: o.Dir, CacheDir: o.CacheDir, Seed: o.Seed,
		Verbose: o.Verbose, Checks: []string{s.Name}, Jobs: 1, User: o.User})
	if err != nil {
		return c, "", err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), workerEnv+"="+string(spec))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	attr := o.namespace
	if attr == nil {
		attr = netns.ProcAttr
	}
	cmd.SysProcAttr = attr()
	if cmd.SysProcAttr == nil {
		return c, "network namespaces exist only on Linux", nil
	}
	if err := cmd.Start(); err != nil {
		return c, fmt.Sprintf("this lesson runs in a network namespace of its own, and making one failed (%v)", err), nil
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		c.Outcome = results.Interrupted
		return c, "", nil
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // anything the worker left
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return c, "", fmt.Errorf("the lesson worker failed (%v): %s", err, msg)
	}
	var res results.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return c, "", fmt.Errorf("the lesson worker's result is unreadable: %w", err)
	}
	if len(res.Checks) != 1 {
		return c, "", fmt.Errorf("the lesson worker ran %d checks, not 1", len(res.Checks))
	}
	return res.Checks[0], "", nil
}

func skipped(res results.Result, why string) results.Result {
	res.Outcome = results.Skipped
	res.Error = why + ". To run it, " + netns.HowToEnable + "."
	return res
}
