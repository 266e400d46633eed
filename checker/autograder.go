//go:build !windows

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/template"

	"github.com/socketlings/socketlings/checker/internal/classroom"
)

// runAutograder writes an autograder for a grading engine, or runs one of
// the steps the autograder's own scripts call.
func runAutograder(ctx context.Context, cfg config, args []string) error {
	if len(args) == 0 {
		return usageError{"autograder: say which: go run ./checker autograder gradescope|classroom ... (see docs/instructors.md)"}
	}
	switch args[0] {
	case "gradescope":
		return writeGradescopeAutograder(cfg, args[1:])
	case "classroom":
		return writeClassroomTemplate(cfg, args[1:])
	case "warm":
		return autograderWarm(ctx, args[1:])
	case "failed":
		return autograderFailed(args[1:])
	}
	return usageError{fmt.Sprintf("autograder: unknown engine %q (want gradescope or classroom)", args[0])}
}

// gradescopeScripts are setup.sh and run_autograder, as Gradescope runs
// them: setup.sh once, as root, when it builds the image (with network);
// run_autograder for each submission (with no need of the network).
// AUTOGRADER_ROOT stands for /autograder, so that a test can run them.
var gradescopeScripts = template.Must(template.New("").Parse(`{{define "setup.sh"}}#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder's image.
# It installs the Go toolchain the course was built with and a C compiler
# (the race detector needs one), downloads the course's modules, builds the
# checker, and compiles what grading needs into Go's cache, so that no
# submission pays a cold build and grading needs no network.
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends gcc libc6-dev curl ca-certificates >/dev/null
arch=$(dpkg --print-architecture)
curl -fsSL "https://go.dev/dl/{{.Go}}.linux-${arch}.tar.gz" | tar -C /usr/local -xz
export PATH=/usr/local/go/bin:$PATH
cd "$root/source/course"
go mod download
go build -o "$root/checker" ./checker
"$root/checker" autograder warm --lessons {{.Lessons}}
# The solutions served to warm the cache; no learner's program could read
# them (grading hides the course), but they need not stay at all.
rm -rf solutions
{{end}}{{define "run_autograder"}}#!/usr/bin/env bash
# Gradescope runs this for each submission. It grades
# $root/submission and always leaves $root/results/results.json: the
# grades, or, if grading could not run, a score of 0 saying why.
set -uo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
export PATH=/usr/local/go/bin:$PATH HOME=${HOME:-/root} GOPROXY=off
cd "$root/source/course"
mkdir -p "$root/results"
rm -rf "$root/results/report" "$root/results/results.json"
"$root/checker" grade --lessons {{.Lessons}} --format gradescope{{if .Rubric}} --rubric "$root/source/rubric.json"{{end}} \
  --out "$root/results/report" "$root/submission" >"$root/results/grade.log" 2>&1
status=$?
if [ -f "$root/results/report/results.json" ]; then
  cp "$root/results/report/results.json" "$root/results/results.json"
else
  "$root/checker" autograder failed --status "$status" --log "$root/results/grade.log" --out "$root/results/results.json"
fi
{{end}}`))

// writeGradescopeAutograder writes the zip that Gradescope takes.
func writeGradescopeAutograder(cfg config, args []string) error {
	fs := flag.NewFlagSet("autograder gradescope", flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	lessons := fs.String("lessons", "all", "grade these `LESSONS`, e.g. 1-4")
	rubricPath := fs.String("rubric", "", "weights and hidden checks from `FILE` (JSON)")
	out := fs.String("out", "autograder.zip", "write the zip to `FILE`")
	if _, err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{"autograder gradescope: " + err.Error()}
	}
	if _, err := parseLessons(*lessons); err != nil {
		return usageError{"autograder gradescope: " + err.Error()}
	}
	var rubric []byte
	if *rubricPath != "" {
		if _, err := classroom.LoadRubric(*rubricPath); err != nil {
			return usageError{"autograder gradescope: " + err.Error()}
		}
		data, err := os.ReadFile(*rubricPath)
		if err != nil {
			return err
		}
		rubric = data
	}
	course, err := courseRoot()
	if err != nil {
		return usageError{"autograder: run it from the course's folder (where its go.mod is)"}
	}
	files, err := courseFiles(course)
	if err != nil {
		return err
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte, mode os.FileMode) error {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	params := struct {
		Go, Lessons string
		Rubric      bool
	}{runtime.Version(), *lessons, rubric != nil}
	for _, script := range []string{"setup.sh", "run_autograder"} {
		var b bytes.Buffer
		if err := gradescopeScripts.ExecuteTemplate(&b, script, params); err != nil {
			return err
		}
		if err := add(script, b.Bytes(), 0o755); err != nil {
			return err
		}
	}
	if rubric != nil {
		if err := add("rubric.json", rubric, 0o644); err != nil {
			return err
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(course, f))
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(filepath.Join(course, f)); err == nil && fi.Mode()&0o111 != 0 {
			mode = 0o755
		}
		if err := add("course/"+filepath.ToSlash(f), data, mode); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the autograder: %w", err)
	}
	fmt.Fprintf(cfg.stdout, "wrote %s: the course (%d files), setup.sh and run_autograder, grading lessons %s with %s.\n", *out, len(files), *lessons, runtime.Version())
	fmt.Fprintln(cfg.stdout, "Upload it as the assignment's autograder on Gradescope (Configure Autograder, zip file upload, Ubuntu base image).")
	return nil
}

// courseFiles lists the course's files relative to its folder: those git
// tracks, when the course is a git clone, else every file but hidden ones
// and the learner's backups.
func courseFiles(course string) ([]string, error) {
	if out, err := exec.Command("git", "-C", course, "ls-files", "-z").Output(); err == nil && len(out) > 0 {
		var files []string
		for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
			if fi, err := os.Lstat(filepath.Join(course, f)); err == nil && fi.Mode().IsRegular() {
				files = append(files, f)
			}
		}
		return files, nil
	}
	var files []string
	err := filepath.WalkDir(course, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(course, p)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	return files, err
}

// autograderWarm compiles, into Go's cache, what grading the lessons
// builds: setup.sh runs it, so that no submission pays a cold build.
func autograderWarm(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("autograder warm", flag.ContinueOnError)
	lessons := fs.String("lessons", "all", "lessons")
	if err := fs.Parse(args); err != nil {
		return usageError{"autograder warm: " + err.Error()}
	}
	nums, err := parseLessons(*lessons)
	if err != nil {
		return usageError{"autograder warm: " + err.Error()}
	}
	course, err := courseRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "socketlings-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	classroom.WarmGoCache(ctx, course, nums, dir)
	return nil
}

// autograderFailed writes a results.json that gives 0 and says why, for
// run_autograder when grading could not run: Gradescope then shows the
// reason, never a silent zero or a missing file.
func autograderFailed(args []string) error {
	fs := flag.NewFlagSet("autograder failed", flag.ContinueOnError)
	status := fs.Int("status", 0, "the grade command's exit status")
	logPath := fs.String("log", "", "its output")
	out := fs.String("out", "results.json", "where to write results.json")
	if err := fs.Parse(args); err != nil {
		return usageError{"autograder failed: " + err.Error()}
	}
	var log []byte
	if f, err := os.Open(*logPath); err == nil {
		log, _ = io.ReadAll(io.LimitReader(f, 64<<10))
		f.Close()
	}
	g := classroom.Gradescope{Score: 0, Visibility: "visible", Tests: []classroom.GradescopeTest{},
		Output: fmt.Sprintf("The submission could not be graded (the checker's exit status %d):\n%s", *status, classroom.Printable(strings.TrimSpace(string(log))))}
	data, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*out, append(data, '\n'), 0o644)
}

// classroomFiles are the two files of a learner's repository that grade it
// on GitHub Actions: the workflow, and the script it runs (so that a test
// can run the same commands). A learner could change both: protect
// .github/ (see docs/instructors.md).
var classroomFiles = template.Must(template.New("").Parse(`{{define "workflow"}}# Grades every push with the course's own checker ({{.Ref}}), not with
# the copy in this repository, and reports the points to GitHub Classroom.
name: Autograding Tests
on: [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    name: Autograding Tests
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with: {go-version: "{{.GoMinor}}", cache: false}
      - name: socketlings
        id: socketlings
        run: bash .github/classroom/grade.sh
        env:
          COURSE_TOKEN: ${{"{{"}} secrets.COURSE_TOKEN {{"}}"}}
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          SOCKETLINGS_RESULTS: "${{"{{"}} steps.socketlings.outputs.result {{"}}"}}"
        with:
          runners: socketlings
{{end}}{{define "grade.sh"}}#!/usr/bin/env bash
# Grades this repository with the course's checker at {{.Ref}}, and
# leaves the points for GitHub Classroom's reporter in $GITHUB_OUTPUT.
# SOCKETLINGS_COURSE, if set, is a copy of the course to use instead of
# cloning it (a test runs this script so).
set -euo pipefail
repo={{.Repo}}
ref={{.Ref}}
lessons={{.Lessons}}
work=${RUNNER_TEMP:-$(mktemp -d)}
course=${SOCKETLINGS_COURSE:-}
if [ -z "$course" ]; then
  course=$work/socketlings-course
  url=$repo
  if [ -n "${COURSE_TOKEN:-}" ]; then
    # A private course repository: a token with read access to it.
    url=${repo/https:\/\//https://x-access-token:$COURSE_TOKEN@}
  fi
  git clone --quiet "$url" "$course"
  git -C "$course" checkout --quiet "$ref"
fi
(cd "$course" && go build -o "$work/socketlings-checker" ./checker)
run=()
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then
  run=(sudo -E env "PATH=$PATH") # as root, learner programs are sandboxed
fi
rm -rf "$work/socketlings-report"
(cd "$course" && "${run[@]}" "$work/socketlings-checker" grade --lessons "$lessons" --format classroom \
  --out "$work/socketlings-report" "${GITHUB_WORKSPACE:-$PWD}")
cat "$work/socketlings-report/transcripts/"*.txt
echo "result=$(base64 -w0 "$work/socketlings-report/classroom.json")" >>"${GITHUB_OUTPUT:-/dev/stdout}"
{{end}}`))

// writeClassroomTemplate writes a learner template for a GitHub Classroom
// assignment: the course without its solutions and the checker's own tests
// and fixtures, with the workflow that grades it.
func writeClassroomTemplate(cfg config, args []string) error {
	fs := flag.NewFlagSet("autograder classroom", flag.ContinueOnError)
	fs.SetOutput(cfg.stderr)
	repo := fs.String("repo", "", "the course's repository, as `URL` (https), that the workflow grades with")
	ref := fs.String("ref", "", "the course's commit the workflow grades with (default: this clone's HEAD)")
	lessons := fs.String("lessons", "all", "grade these `LESSONS`, e.g. 1-4")
	out := fs.String("out", "classroom-template", "write the template repository's files into `DIR`")
	if _, err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{"autograder classroom: " + err.Error()}
	}
	if !strings.HasPrefix(*repo, "https://") {
		return usageError{"autograder classroom: --repo https://github.com/ORG/REPO, the course repository the workflow grades with, is needed"}
	}
	if _, err := parseLessons(*lessons); err != nil {
		return usageError{"autograder classroom: " + err.Error()}
	}
	course, err := courseRoot()
	if err != nil {
		return usageError{"autograder: run it from the course's folder (where its go.mod is)"}
	}
	if *ref == "" {
		head, err := exec.Command("git", "-C", course, "rev-parse", "HEAD").Output()
		if err != nil {
			return usageError{"autograder classroom: this is not a git clone: give the course's commit with --ref"}
		}
		*ref = strings.TrimSpace(string(head))
	}
	if entries, err := os.ReadDir(*out); err == nil && len(entries) > 0 {
		return usageError{fmt.Sprintf("autograder classroom: %s is not empty", *out)}
	}
	files, err := courseFiles(course)
	if err != nil {
		return err
	}
	kept := 0
	for _, f := range files {
		if !forLearners(f) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(course, f))
		if err != nil {
			return err
		}
		dst := filepath.Join(*out, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		kept++
	}
	params := struct{ Repo, Ref, Lessons, GoMinor string }{*repo, *ref, *lessons, goMinor()}
	for name, path := range map[string]string{"workflow": ".github/workflows/classroom.yml", "grade.sh": ".github/classroom/grade.sh"} {
		var b bytes.Buffer
		if err := classroomFiles.ExecuteTemplate(&b, name, params); err != nil {
			return err
		}
		dst := filepath.Join(*out, path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b.Bytes(), 0o755); err != nil {
			return err
		}
	}
	fmt.Fprintf(cfg.stdout, "wrote %s: %d files of the course (no solutions), and .github/ with the workflow that grades lessons %s with %s at %s.\n",
		*out, kept, *lessons, *repo, (*ref)[:min(12, len(*ref))])
	fmt.Fprintln(cfg.stdout, "Push it as the assignment's template repository; protect .github/ (see docs/instructors.md).")
	return nil
}

// forLearners tells the course's files that a learner's repository gets:
// not the solutions, nor what only the course's own tests use (the buggy
// variants, made from the solutions, and the fixtures).
func forLearners(f string) bool {
	f = filepath.ToSlash(f)
	switch {
	case strings.HasPrefix(f, "solutions/"), strings.HasPrefix(f, ".ci/"), strings.HasPrefix(f, ".github/"):
		return false
	case strings.HasPrefix(f, "checker/") && (strings.HasSuffix(f, "_test.go") || strings.Contains(f, "/testdata/")):
		return false
	}
	return true
}

// goMinor is the Go release the checker was built with, as setup-go takes
// it (go1.26.8 → 1.26).
func goMinor() string {
	v := strings.TrimPrefix(runtime.Version(), "go")
	if parts := strings.Split(v, "."); len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}
