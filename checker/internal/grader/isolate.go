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
}

// RunWorkerIfAsked turns this process into a lesson worker when the grader
// started it as one, and then exits. Call it first in main (and TestMain).
func RunWorkerIfAsked() {
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

func runWorker(spec string) (Result, error) {
	var job isolatedJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		return Result{}, fmt.Errorf("lesson worker: %w", err)
	}
	if err := netns.LoopbackUp(); err != nil {
		return Result{}, err
	}
	l, ok := catalog.Find(fmt.Sprint(job.Lesson))
	if !ok {
		return Result{}, fmt.Errorf("lesson worker: no lesson %d", job.Lesson)
	}
	return Grade(context.Background(), Options{
		Lesson: l, Dir: job.Dir, CacheDir: job.CacheDir, Seed: job.Seed, Verbose: job.Verbose,
		Checks: job.Checks, Jobs: job.Jobs, inNamespace: true,
	})
}

// gradeIsolated grades the lesson in a worker started in a new network
// namespace. When no namespace can be made, the lesson is skipped, with the
// reason and what would make it run.
func gradeIsolated(ctx context.Context, o Options) (Result, error) {
	res := Result{Lesson: o.Lesson.Dir()}
	self, err := os.Executable()
	if err != nil {
		return res, fmt.Errorf("find the checker's own program: %w", err)
	}
	spec, err := json.Marshal(isolatedJob{Lesson: o.Lesson.Number, Dir: o.Dir, CacheDir: o.CacheDir, Seed: o.Seed,
		Verbose: o.Verbose, Checks: o.Checks, Jobs: o.Jobs})
	if err != nil {
		return res, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), workerEnv+"="+string(spec))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = netns.ProcAttr()
	if cmd.SysProcAttr == nil {
		return skipped(res, "network namespaces exist only on Linux"), nil
	}
	if err := cmd.Start(); err != nil {
		return skipped(res, fmt.Sprintf("this lesson runs in a network namespace of its own, and making one failed (%v)", err)), nil
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		res.Outcome = Interrupted
		return res, nil
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // anything the worker left
	if err != nil {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		return res, fmt.Errorf("the lesson worker failed (%v): %s", err, msg)
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return res, fmt.Errorf("the lesson worker's result is unreadable: %w", err)
	}
	return res, nil
}

func skipped(res Result, why string) Result {
	res.Outcome = Skipped
	res.Error = why + ". To run it, " + netns.HowToEnable + "."
	return res
}
