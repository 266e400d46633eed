//go:build linux

package main

import (
	"archive/zip"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gradescopeResults is results.json as Gradescope documents it.
type gradescopeResults struct {
	Score         *float64 `json:"score"`
	MaxScore      *float64 `json:"max_score"`
	ExecutionTime *float64 `json:"execution_time"`
	Output        *string  `json:"output"`
	Visibility    string   `json:"visibility"`
	Tests         []struct {
		Name       *string  `json:"name"`
		Score      *float64 `json:"score"`
		MaxScore   *float64 `json:"max_score"`
		Status     string   `json:"status"`
		Visibility string   `json:"visibility"`
		Output     *string  `json:"output"`
	} `json:"tests"`
}

// TestAutograderGradescope builds the Gradescope autograder, lays it out
// as Gradescope does under a root of its own (source/, submission/,
// results/), does what setup.sh does once its downloads are done, and runs
// run_autograder on a good, a partial, a broken, an empty and a
// Finder-zipped submission, with the module proxy off.
func TestAutograderGradescope(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the autograder and grades five submissions")
	}
	bin := buildChecker(t)
	zipPath := filepath.Join(t.TempDir(), "autograder.zip")
	cmd := exec.Command(bin, "autograder", "gradescope", "--lessons", "1-2", "--out", zipPath)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))

	root := t.TempDir()
	unzip(t, zipPath, filepath.Join(root, "source"))
	for _, f := range []string{"setup.sh", "run_autograder"} {
		fi, err := os.Stat(filepath.Join(root, "source", f))
		require.NoError(t, err)
		assert.NotZero(t, fi.Mode()&0o100, "%s is executable", f)
	}
	setup, err := os.ReadFile(filepath.Join(root, "source", "setup.sh"))
	require.NoError(t, err)
	assert.Contains(t, string(setup), "go1.", "setup.sh installs the pinned Go")

	// setup.sh, after it installed Go and a C compiler: build the checker,
	// warm the caches, drop the solutions. No network from here on.
	env := append(os.Environ(), "GOPROXY=off", "AUTOGRADER_ROOT="+root)
	course := filepath.Join(root, "source", "course")
	for _, step := range [][]string{
		{"go", "build", "-o", filepath.Join(root, "checker"), "./checker"},
		{filepath.Join(root, "checker"), "autograder", "warm", "--lessons", "1-2"},
		{"rm", "-rf", "solutions"},
	} {
		c := exec.Command(step[0], step[1:]...)
		c.Dir, c.Env = course, env
		out, err := c.CombinedOutput()
		require.NoError(t, err, "%v: %s", step, out)
	}

	class := filepath.Join("testdata", "sample-class")
	finder := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(finder, "socketlings"), os.DirFS(filepath.Join(class, "alice-good"))))
	require.NoError(t, os.MkdirAll(filepath.Join(finder, "__MACOSX", "socketlings"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(finder, "__MACOSX", "socketlings", "._lessons"), []byte{0, 5, 22, 7}, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(finder, ".DS_Store"), []byte{0, 0, 0, 1}, 0o644))

	for _, c := range []struct {
		name, from string
		check      func(t *testing.T, r gradescopeResults)
	}{
		{"good", filepath.Join(class, "alice-good"), func(t *testing.T, r gradescopeResults) {
			assert.Equal(t, 20.0, *r.Score)
		}},
		{"partial", filepath.Join(class, "bob-partial"), func(t *testing.T, r gradescopeResults) {
			assert.Greater(t, *r.Score, 10.0)
			assert.Less(t, *r.Score, 20.0)
		}},
		{"broken", filepath.Join(class, "carol-broken"), func(t *testing.T, r gradescopeResults) {
			assert.Equal(t, 0.0, *r.Score)
			assert.Contains(t, testOutputs(r), "declared and not used")
		}},
		{"empty", "", func(t *testing.T, r gradescopeResults) {
			assert.Equal(t, 0.0, *r.Score)
			assert.Contains(t, *r.Output, "could not be graded")
			assert.Contains(t, *r.Output, "holds no submission")
		}},
		{"finder-zip", finder, func(t *testing.T, r gradescopeResults) {
			assert.Equal(t, 20.0, *r.Score, *r.Output)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := filepath.Join(root, "submission")
			require.NoError(t, os.RemoveAll(sub))
			require.NoError(t, os.MkdirAll(sub, 0o755))
			if c.from != "" {
				require.NoError(t, os.CopyFS(sub, os.DirFS(c.from)))
			}
			run := exec.Command("bash", filepath.Join(root, "source", "run_autograder"))
			run.Env = env
			out, err := run.CombinedOutput()
			require.NoError(t, err, string(out))
			data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
			require.NoError(t, err, "run_autograder always writes results.json")
			var r gradescopeResults
			require.NoError(t, json.Unmarshal(data, &r))
			require.NotNil(t, r.Score, "score")
			require.NotNil(t, r.Output, "output")
			if c.name != "empty" {
				require.NotNil(t, r.MaxScore)
				assert.Equal(t, 20.0, *r.MaxScore)
				require.NotNil(t, r.ExecutionTime, "execution_time")
				require.NotEmpty(t, r.Tests)
				sum := 0.0
				for _, tc := range r.Tests {
					require.NotNil(t, tc.Name)
					require.NotNil(t, tc.Score)
					require.NotNil(t, tc.MaxScore)
					require.NotNil(t, tc.Output)
					assert.Contains(t, []string{"passed", "failed"}, tc.Status)
					assert.Contains(t, []string{"visible", "hidden", "after_due_date", "after_published"}, tc.Visibility)
					sum += *tc.MaxScore
				}
				assert.InDelta(t, 20.0, sum, 1e-9, "the tests' max scores add up to max_score")
			}
			c.check(t, r)
		})
	}
}

func testOutputs(r gradescopeResults) string {
	var b strings.Builder
	for _, tc := range r.Tests {
		b.WriteString(*tc.Output + "\n")
	}
	return b.String()
}

func unzip(t *testing.T, src, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	require.NoError(t, err)
	defer zr.Close()
	for _, f := range zr.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		rc, err := f.Open()
		require.NoError(t, err)
		w, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm())
		require.NoError(t, err)
		_, err = io.Copy(w, rc)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		rc.Close()
	}
}

// TestAutograderClassroom writes the GitHub Classroom template, checks that
// it ships no solutions, and runs its grading script as the workflow does,
// on a learner's repository made from it: once with lesson 01 done, once
// untouched, decoding the points it leaves for Classroom's reporter.
func TestAutograderClassroom(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the checker and grades two repositories")
	}
	bin := buildChecker(t)
	tpl := filepath.Join(t.TempDir(), "template")
	cmd := exec.Command(bin, "autograder", "classroom", "--repo", "https://github.com/example/socketlings",
		"--ref", "0123456789abcdef", "--lessons", "1", "--out", tpl)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.NoDirExists(t, filepath.Join(tpl, "solutions"))
	assert.NoDirExists(t, filepath.Join(tpl, "checker", "internal", "grader", "testdata"))
	assert.FileExists(t, filepath.Join(tpl, "lessons", "01-socket-lifecycle", "main.go"))
	workflow, err := os.ReadFile(filepath.Join(tpl, ".github", "workflows", "classroom.yml"))
	require.NoError(t, err)
	assert.Contains(t, string(workflow), "classroom-resources/autograding-grading-reporter")
	script, err := os.ReadFile(filepath.Join(tpl, ".github", "classroom", "grade.sh"))
	require.NoError(t, err)
	assert.Contains(t, string(script), "ref=0123456789abcdef")

	course, err := filepath.Abs("..")
	require.NoError(t, err)
	sol, err := os.ReadFile(filepath.Join(course, "solutions", "01-socket-lifecycle", "main.go"))
	require.NoError(t, err)
	for _, c := range []struct {
		name   string
		done   bool
		score  float64
		status string
	}{{"done", true, 10, "pass"}, {"untouched", false, 0, "fail"}} {
		t.Run(c.name, func(t *testing.T) {
			learner := filepath.Join(t.TempDir(), "repo")
			require.NoError(t, os.CopyFS(learner, os.DirFS(tpl)))
			if c.done {
				require.NoError(t, os.WriteFile(filepath.Join(learner, "lessons", "01-socket-lifecycle", "main.go"), sol, 0o644))
			}
			output := filepath.Join(t.TempDir(), "github_output")
			run := exec.Command("bash", filepath.Join(learner, ".github", "classroom", "grade.sh"))
			run.Dir = learner
			run.Env = append(os.Environ(), "SOCKETLINGS_COURSE="+course, "RUNNER_TEMP="+t.TempDir(),
				"GITHUB_WORKSPACE="+learner, "GITHUB_OUTPUT="+output, "GOPROXY=off")
			out, err := run.CombinedOutput()
			require.NoError(t, err, string(out))
			data, err := os.ReadFile(output)
			require.NoError(t, err)
			encoded, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "result=")
			require.True(t, ok, "the step's output is result=BASE64: %s", data)
			raw, err := base64.StdEncoding.DecodeString(encoded)
			require.NoError(t, err)
			var p struct {
				Version  int     `json:"version"`
				Status   string  `json:"status"`
				MaxScore float64 `json:"max_score"`
				Tests    []struct {
					Name   string  `json:"name"`
					Status string  `json:"status"`
					Score  float64 `json:"score"`
				} `json:"tests"`
			}
			require.NoError(t, json.Unmarshal(raw, &p))
			assert.Equal(t, 1, p.Version)
			assert.Equal(t, 10.0, p.MaxScore)
			assert.Equal(t, c.status, p.Status)
			total := 0.0 // as the reporter adds them up
			for _, tc := range p.Tests {
				assert.Contains(t, []string{"pass", "fail"}, tc.Status)
				total += tc.Score
			}
			assert.InDelta(t, c.score, total, 1e-9)
		})
	}
}
