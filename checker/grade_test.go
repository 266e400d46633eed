package main

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleClass = "testdata/sample-class"

// buildChecker builds this checker, which grade re-runs as its worker.
func buildChecker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "checker")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func grades(t *testing.T, out string) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "grades.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"submission", "lesson01", "lesson02", "total", "max", "note"}, rows[0])
	m := map[string][]string{}
	for _, r := range rows[1:] {
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
	assert.Equal(t, 1, report.Version)
	assert.Equal(t, uint64(7), report.Provenance.Seed)
	assert.Len(t, report.Submissions, 7)
	junit, err := os.ReadFile(filepath.Join(out4, "junit.xml"))
	require.NoError(t, err)
	assert.NoError(t, xml.Unmarshal(junit, new(struct{})))
	transcript, err := os.ReadFile(filepath.Join(out4, "transcripts", "carol-broken.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(transcript), "declared and not used: fd")

	// The same grades one at a time.
	out1 := filepath.Join(t.TempDir(), "jobs1")
	code, log = grade("--jobs", "1", "--out", out1, sampleClass)
	require.Equal(t, 0, code, log)
	assert.Equal(t, g, grades(t, out1))

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
		Score    float64 `json:"score"`
		MaxScore float64 `json:"max_score"`
		Tests    []struct {
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
