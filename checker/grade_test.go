//go:build !windows

package main

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleClass = "testdata/sample-class"

// buildChecker builds this checker, which grade re-runs as its worker,
// once for all the tests that need it (they run in parallel).
func buildChecker(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.path = filepath.Join(os.Getenv("XDG_CACHE_HOME"), "checker")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	require.NoError(t, built.err, string(built.out))
	return built.path
}

// built is the checker that buildChecker built.
var built struct {
	once sync.Once
	path string
	out  []byte
	err  error
}

// grades reads a run of lessons 1-2: each row's grades by row id.
func grades(t *testing.T, out string) map[string][]string {
	t.Helper()
	m := gradeRows(t, out)
	for id, r := range m {
		m[id] = r[1:]
	}
	return m
}

// gradeRows reads grades.csv of a run of lessons 1-2: each row, original
// name first, by its id, which must be unique.
func gradeRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "grades.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"submission", "name", "lesson01", "lesson02", "total", "max", "note"}, rows[0])
	m := map[string][]string{}
	for _, r := range rows[1:] {
		assert.NotContains(t, m, r[0], "row ids are unique")
		m[r[0]] = r[1:]
	}
	return m
}

func leftovers(t *testing.T) []string {
	t.Helper()
	out, _ := exec.Command("pgrep", "-f", "^sleep 600$").Output()
	return strings.Fields(string(out))
}

func TestGradeSampleClass(t *testing.T) {
	t.Parallel() // mostly waiting on the network: overlap the classes
	if testing.Short() {
		t.Skip("grades a whole class")
	}
	bin := buildChecker(t)
	grade := func(args ...string) (int, string) {
		cmd := exec.Command(bin, append([]string{"grade", "--lessons", "1-2", "--seed", "7"}, args...)...)
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}

	out4 := filepath.Join(t.TempDir(), "jobs4")
	code, log := grade("--jobs", "4", "--out", out4, sampleClass)
	require.Equal(t, 0, code, log)
	g := grades(t, out4)
	assert.Equal(t, []string{"10", "10", "20", "20", ""}, g["alice-good"])
	assert.Equal(t, "10", g["bob-partial"][0])
	bob02, _ := strconv.ParseFloat(g["bob-partial"][1], 64)
	assert.True(t, bob02 > 0 && bob02 < 10, "bob's one-read lesson 02 passes some checks, not all: %v", bob02)
	assert.Equal(t, []string{"0", "0", "0", "20", ""}, g["carol-broken"])
	assert.Equal(t, "0", g["dave-hostile"][2])
	assert.Equal(t, "0", g["erin-memory"][2])
	assert.Equal(t, []string{"10", "0", "10", "20", ""}, g["frank-archive"])
	assert.Equal(t, "0", g["mallory-escape"][2])
	assert.Contains(t, g["mallory-escape"][4], `archive refused: entry "../../outside.txt" points outside`)
	assert.NoFileExists(t, filepath.Join(filepath.Dir(sampleClass), "outside.txt"))
	assert.Empty(t, leftovers(t), "a hostile submission's processes outlived grading")

	// Every report is there and readable.
	var report struct {
		Version     int                   `json:"version"`
		Provenance  struct{ Seed uint64 } `json:"provenance"`
		Submissions []json.RawMessage     `json:"submissions"`
	}
	data, err := os.ReadFile(filepath.Join(out4, "report.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &report))
	assert.Equal(t, 2, report.Version)
	assert.Equal(t, uint64(7), report.Provenance.Seed)
	assert.Len(t, report.Submissions, 7)
	junit, err := os.ReadFile(filepath.Join(out4, "junit.xml"))
	require.NoError(t, err)
	assert.NoError(t, xml.Unmarshal(junit, new(struct{})))
	transcript, err := os.ReadFile(filepath.Join(out4, "transcripts", "carol-broken.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(transcript), "declared and not used: fd")

	// (The same grades one at a time: TestGradeHostileClass, with
	// saboteurs in the class.)

	// Interrupted, then resumed: the same report as in one go.
	outR := filepath.Join(t.TempDir(), "resumed")
	cmd := exec.Command(bin, "grade", "--lessons", "1-2", "--seed", "7", "--jobs", "1", "--out", outR, sampleClass)
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		files, _ := filepath.Glob(filepath.Join(outR, "results", "*.json"))
		return len(files) >= 2
	}, 2*time.Minute, 20*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	cmd.Wait()
	assert.Equal(t, exitInterrupted, cmd.ProcessState.ExitCode())
	partial := grades(t, outR)
	assert.Less(t, len(partial), 8, "an interrupted run lists what it graded (and the rest without grades)")
	assert.Empty(t, leftovers(t), "interrupting left processes behind")
	code, log = grade("--jobs", "2", "--resume", "--out", outR, sampleClass)
	require.Equal(t, 0, code, log)
	assert.Equal(t, g, grades(t, outR))
}

func TestGradeGradescope(t *testing.T) {
	t.Parallel() // mostly waiting on the network: overlap the classes
	if testing.Short() {
		t.Skip("grades a submission")
	}
	bin := buildChecker(t)
	out := filepath.Join(t.TempDir(), "gs")
	rubric := filepath.Join(t.TempDir(), "rubric.json")
	require.NoError(t, os.WriteFile(rubric, []byte(`{"lessons": {"1": {"points": 30, "checks": {"echo_large": {"hidden": true}}}}}`), 0o644))
	cmd := exec.Command(bin, "grade", "--lessons", "1", "--format", "gradescope", "--rubric", rubric, "--out", out, sampleClass+"/alice-good")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	var gs struct {
		Score      float64 `json:"score"`
		MaxScore   float64 `json:"max_score"`
		Visibility string  `json:"visibility"`
		Tests      []struct {
			Name       string  `json:"name"`
			Score      float64 `json:"score"`
			Status     string  `json:"status"`
			Visibility string  `json:"visibility"`
		} `json:"tests"`
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &gs))
	assert.Equal(t, 30.0, gs.MaxScore)
	assert.InDelta(t, 30.0, gs.Score, 0.05)
	hidden := 0
	for _, tc := range gs.Tests {
		assert.Equal(t, "passed", tc.Status, tc.Name)
		if tc.Visibility == "after_published" {
			hidden++
		}
	}
	assert.Equal(t, 1, hidden)
	assert.Equal(t, "after_published", gs.Visibility, "with a hidden check, the total waits for publication")
}

func TestGradeUsage(t *testing.T) {
	code, _, stderr := runChecker(t, "grade")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "name at least one submission")
	code, _, stderr = runChecker(t, "grade", "--lessons", "99", sampleClass)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `there is no lesson "99"`)
	code, _, stderr = runChecker(t, "grade", "--format", "gradescope", sampleClass)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "grades one submission, not 7")
}

func TestParseLessons(t *testing.T) {
	got, err := parseLessons("1-3,2,4")
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4}, got)
	_, err = parseLessons("3-1")
	assert.Error(t, err)
}

// TestGradeHostileClass grades a class that attacks the grader (see
// testdata/hostile/README.md) beside good submissions with awkward names,
// and proves that no attack leaves a trace, changes another row or reads a
// secret, with --jobs 3 as with --jobs 1. The sandbox is whole only as
// root.
func TestGradeHostileClass(t *testing.T) {
	t.Parallel() // mostly waiting on the network: overlap the classes
	if testing.Short() {
		t.Skip("grades a whole class")
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("the grader isolates learner programs (another user, namespaces, cgroups) only as root on Linux")
	}
	bin := buildChecker(t)
	course, err := filepath.Abs("..")
	require.NoError(t, err)
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	tmp := t.TempDir()
	marks := filepath.Join(tmp, "marks")
	require.NoError(t, os.MkdirAll(marks, 0o777))
	require.NoError(t, os.Chmod(marks, 0o777))
	host, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer host.Close()
	reached := make(chan string, 100)
	go func() {
		for {
			c, err := host.Accept()
			if err != nil {
				return
			}
			reached <- c.RemoteAddr().String()
			c.Close()
		}
	}()

	class := filepath.Join(tmp, "class")
	lesson := func(sub, dir, src string) {
		d := filepath.Join(class, sub, "lessons", dir)
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "main.go"), []byte(src), 0o644))
	}
	solution := func(dir string) string {
		data, err := os.ReadFile(filepath.Join(course, "solutions", dir, "main.go"))
		require.NoError(t, err)
		return string(data)
	}
	fill := func(name, out string) string {
		data, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
		require.NoError(t, err)
		var b strings.Builder
		tmpl := template.Must(template.New(name).Parse(string(data)))
		require.NoError(t, tmpl.Execute(&b, map[string]string{
			"Course": course, "Marks": marks, "Out": out, "HostAddr": host.Addr().String(), "Tag": tag}))
		return b.String()
	}
	const l1, l2 = "01-socket-lifecycle", "02-tcp-echo-server"
	long := strings.Repeat("long-name-", 25)
	lesson("alice", l1, solution(l1))
	// The awkward names hold lesson 01's untouched stub: not run, so cheap,
	// and 0 points.
	stub, err := os.ReadFile(filepath.Join(course, "lessons", l1, "main.go"))
	require.NoError(t, err)
	for _, sub := range []string{"dup", "dup-2", long, "José", "\x1b[31mred"} {
		lesson(sub, l1, string(stub))
	}
	lesson("alice", l2, solution(l2))
	require.NoError(t, os.MkdirAll(filepath.Join(class, "linky"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(course, "solutions"), filepath.Join(class, "linky", "lessons")))
	// dup.zip: beside the folders dup/ and dup-2/.
	zipLesson(t, filepath.Join(class, "dup.zip"), l1, string(stub))

	secret := "secret-" + tag
	var graders []int // the grade commands' pids, which name their cgroups
	grade := func(jobs string) (string, map[string][]string) {
		out := filepath.Join(tmp, "out-"+jobs)
		lesson("mallory", l2, fill("mallory.go.tmpl", out))
		lesson("killer", l2, fill("killer.go.tmpl", out))
		lesson("shouter", l1, fill("shouter.go.tmpl", out))
		cmd := exec.Command(bin, "grade", "--lessons", "1-2", "--seed", "7", "--jobs", jobs, "--out", out, class)
		cmd.Dir = course
		cmd.Env = append(os.Environ(), "SOCKETLINGS_TEST_SECRET="+secret)
		log, err := cmd.CombinedOutput()
		require.NoError(t, err, string(log))
		graders = append(graders, cmd.Process.Pid)
		return out, gradeRows(t, out)
	}
	out3, g3 := grade("3")
	out1, g1 := grade("1")
	// The saboteurs' own grades may vary (killer kills its own programs
	// of other checks); nobody else's may.
	for id, row := range g3 {
		if row[0] != "killer" && row[0] != "mallory" {
			assert.Equal(t, row, g1[id], "%s: the same grade one at a time as three at a time", row[0])
		}
	}

	byName := map[string][]string{}
	for id, row := range g3 {
		byName[row[0]] = append([]string{id}, row[1:]...)
		assert.LessOrEqual(t, len(id), 80, "row ids stay short: %q", id)
		assert.Regexp(t, `^[A-Za-z0-9._-]+$`, id)
	}
	assert.Equal(t, []string{"alice", "10", "10", "20", "20", ""}, byName["alice"])
	assert.Equal(t, "0", byName["mallory"][1], "no forged lesson 01")
	assert.Equal(t, "0", byName["killer"][1], "no forged lesson 01")
	shouter, _ := strconv.ParseFloat(byName["shouter"][1], 64)
	assert.Less(t, shouter, 2.0, "a program that only prints escapes scores (almost) nothing")
	assert.Contains(t, byName["linky"][5], "links are never followed")
	assert.Equal(t, "0", byName["linky"][3])
	for _, name := range []string{"dup", "dup-2", "dup.zip", long, "José", `\x1b[31mred`} {
		if assert.Contains(t, byName, name, "a row keeps the original name") {
			assert.Equal(t, "0", byName[name][1], "%s: the untouched stub scores 0", name)
		}
	}
	assert.Len(t, g3, 11)

	// No trace, anywhere.
	select {
	case from := <-reached:
		t.Errorf("a learner program reached a service on the host's loopback (from %s)", from)
	default:
	}
	entries, _ := os.ReadDir(marks)
	assert.Empty(t, entries, "a learner program wrote into a folder of the host")
	for _, dir := range []string{out3, out1, course, os.TempDir()} {
		assert.NoFileExists(t, filepath.Join(dir, "escaped-"+tag))
	}
	daemons, _ := exec.Command("pgrep", "-f", "mallory-daemon-"+tag).Output()
	assert.Empty(t, strings.TrimSpace(string(daemons)), "a daemon outlived grading")
	for _, pid := range graders {
		cgroups, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/socketlings-%d-*", pid))
		v1, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/socketlings-%d-*", pid))
		assert.Empty(t, append(cgroups, v1...), "cgroups left behind")
	}
	for _, out := range []string{out3, out1} {
		csvData, err := os.ReadFile(filepath.Join(out, "grades.csv"))
		require.NoError(t, err)
		assert.NotContains(t, string(csvData), "forged-"+tag)
		files, _ := filepath.Glob(filepath.Join(out, "transcripts", "*.txt"))
		assert.Len(t, files, 11)
		files = append(files, filepath.Join(out, "report.json"), filepath.Join(out, "junit.xml"), filepath.Join(out, "grades.csv"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			text := string(data)
			assert.NotContains(t, text, secret, "%s shows the instructor's environment", f)
			assert.NotContains(t, text, "lesson 02's reference solution", "%s shows the solutions", f)
			assert.NotContains(t, text, "\x1b", "%s holds a raw terminal escape", f)
			assert.NotContains(t, text, "socketlings-grade-", "%s shows the grader's scratch paths", f)
		}
		mallory, err := os.ReadFile(filepath.Join(out, "transcripts", byName["mallory"][0]+".txt"))
		require.NoError(t, err)
		require.Contains(t, string(mallory), "environment:", "mallory's findings are in its transcript, so the test sees what it read")
		for _, escape := range []string{"wrote to the worker's", "saw the worker's command line", "joined /proc", "moved to /sys", "wrote into", "read /"} {
			assert.NotContains(t, string(mallory), escape)
		}
	}
}

// zipLesson writes a zip holding lessons/DIR/main.go.
func zipLesson(t *testing.T, path, dir, src string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	zw := zip.NewWriter(f)
	w, err := zw.Create("lessons/" + dir + "/main.go")
	require.NoError(t, err)
	_, err = w.Write([]byte(src))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
}

// TestGradeShardsMerge: a class graded in 3 shards and merged gives the
// same reports as one run over the whole class, timings apart.
func TestGradeShardsMerge(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("grades a class twice")
	}
	bin := buildChecker(t)
	class := t.TempDir()
	sol, err := os.ReadFile("../solutions/01-socket-lifecycle/main.go")
	require.NoError(t, err)
	for i, body := range [][]byte{sol, sol, sol, []byte("package main\n\nfunc main() { x := 1 }\n"), sol, []byte("package main\n\nfunc main() {}\n")} {
		dir := filepath.Join(class, fmt.Sprintf("learner-%d", i), "lessons", "01-socket-lifecycle")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), body, 0o644))
	}
	grade := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"grade", "--lessons", "1", "--seed", "11", "--jobs", "2"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	whole := filepath.Join(t.TempDir(), "whole")
	grade("--out", whole, class)
	var shards []string
	for k := 1; k <= 3; k++ {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("shard%d", k))
		grade("--shard", fmt.Sprintf("%d/3", k), "--out", dir, class)
		shards = append(shards, dir)
	}
	merged := filepath.Join(t.TempDir(), "merged")
	out, err := exec.Command(bin, append([]string{"grade", "merge", "--out", merged}, shards...)...).CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "6 submissions")

	for _, f := range []string{"grades.csv", "report.json", "junit.xml", "results/learner-3.json", "transcripts/learner-0.txt"} {
		a, err := os.ReadFile(filepath.Join(whole, f))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(merged, f))
		require.NoError(t, err)
		assert.Equal(t, untimed(string(a)), untimed(string(b)), f)
	}

	// Shards need one seed, and merge refuses parts that do not fit.
	cmd := exec.Command(bin, "grade", "--lessons", "1", "--shard", "1/3", "--out", t.TempDir(), class)
	out, _ = cmd.CombinedOutput()
	assert.Equal(t, exitUsage, cmd.ProcessState.ExitCode())
	assert.Contains(t, string(out), "--shard needs --seed")
	cmd = exec.Command(bin, "grade", "merge", "--out", t.TempDir(), shards[0], shards[0])
	out, _ = cmd.CombinedOutput()
	assert.Equal(t, exitUsage, cmd.ProcessState.ExitCode())
	assert.Contains(t, string(out), "is in both")
}

// untimed drops what changes from run to run: durations and timings.
var timings = regexp.MustCompile(`"duration_ns": \d+|time="[0-9.]+"| [0-9.]+m?s\b|127\.0\.0\.1:\d+`)

func untimed(s string) string { return timings.ReplaceAllString(s, "") }
