package grader

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/build"
	"github.com/socketlings/socketlings/checker/internal/catalog"
	"github.com/socketlings/socketlings/checker/internal/report"
	"github.com/socketlings/socketlings/checker/internal/results"
)

const root = "../../.."

var cache string

func TestMain(m *testing.M) {
	RunWorkerIfAsked()
	// Grading a buggy program is mostly waiting for deadlines, not
	// computing: eight at a time a core (16 on two cores measured 230s
	// against 402s at four), unless -parallel says.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(max(16, 8*runtime.NumCPU())))
	}
	dir, err := os.MkdirTemp("", "socketlings-test-cache-")
	if err != nil {
		panic(err)
	}
	cache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func grade(t *testing.T, l catalog.Lesson, dir string) results.Result {
	t.Helper()
	res, err := Grade(context.Background(), Options{Lesson: l, Dir: dir, CacheDir: cache})
	require.NoError(t, err)
	return res
}

// describe renders a result for a failing test's message.
func describe(r results.Result) string {
	var b bytes.Buffer
	b.WriteString(string(r.Outcome) + "\n" + r.BuildOutput)
	for _, c := range r.Checks {
		b.WriteString("  " + string(c.Outcome) + " " + c.Name + ": " + c.Message + "\n")
		if c.Failure != nil {
			b.WriteString("    " + c.Failure.What + "\n")
			// The program's own words (its stderr, a stack), so that a
			// failure seen once, on a loaded machine, can be understood.
			if out := strings.TrimSpace(c.Failure.Output); out != "" {
				lines := strings.Split(out, "\n")
				if len(lines) > 12 {
					lines = append(lines[:12], "...")
				}
				b.WriteString("      | " + strings.Join(lines, "\n      | ") + "\n")
			}
		}
	}
	return b.String()
}

// TestSolutionsPass: every reference solution passes every check.
func TestSolutionsPass(t *testing.T) {
	t.Parallel() // share the pool with the other gradings: no tail of one waits for the next
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			t.Parallel()
			res := grade(t, l, filepath.Join(root, "solutions", l.Dir()))
			assert.Equal(t, results.Passed, res.Outcome, describe(res))
		})
	}
}

// TestStubsFail: every untouched stub builds, and fails.
func TestStubsFail(t *testing.T) {
	t.Parallel() // share the pool with the other gradings: no tail of one waits for the next
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			t.Parallel()
			res := grade(t, l, filepath.Join(root, "lessons", l.Dir()))
			assert.Equal(t, results.Failed, res.Outcome, describe(res))
			if slices.Contains(goldenStubs, l.Number) {
				golden(t, l, res)
			}
		})
	}
}

// goldenStubs are the lessons whose stub's report TestStubsFail compares
// with testdata/golden/stub-NN.txt, word for word: what a learner sees first
// (only stubs whose report does not depend on timing: 07's server closes
// at once, so a check sees a reset or an EOF as the race goes).
var goldenStubs = []int{2, 3}

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden")

// unstable are the parts of a report that change from run to run.
var unstable = regexp.MustCompile(`127\.0\.0\.1:[0-9]+|\[::1\]:[0-9]+| [0-9.]+m?s\n`)

func golden(t *testing.T, l catalog.Lesson, res results.Result) {
	t.Helper()
	var b bytes.Buffer
	report.Lesson(&b, l, res, report.Style{})
	got := unstable.ReplaceAllStringFunc(b.String(), func(m string) string {
		if strings.HasSuffix(m, "\n") {
			return "\n"
		}
		host, _, _ := strings.Cut(m, "]:")
		if host != m {
			return host + "]:PORT"
		}
		return "127.0.0.1:PORT"
	})
	path := filepath.Join("testdata", "golden", fmt.Sprintf("stub-%02d.txt", l.Number))
	if *updateGolden {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./checker/internal/grader -run TestStubsFail -update-golden")
	assert.Equal(t, string(want), got)
}

var (
	breaksLine = regexp.MustCompile(`(?m)^\+?// Breaks: (.+)$`)
	racyLine   = regexp.MustCompile(`(?m)^\+?// Racy: (.+)$`)
)

// racyTries is how many gradings the proof of a racy variant gets.
const racyTries = 3

// variant is a realistic buggy program kept as a patch of the solution in
// testdata/variants/LESSON/BUG.patch, and the clauses of the contract that
// its "// Breaks:" line says it breaks. A "// Racy: why" line says that its
// bug shows only when a race falls its way (a signal landing while a write
// is part way, a SYN seen in time by a busy checker's poll): its proof gets
// racyTries gradings, and one that catches it is enough. A check must still
// catch it in the large majority of runs.
type variant struct {
	name, patch string
	breaks      []string
	racy        bool
}

func variants(t *testing.T, l catalog.Lesson) []variant {
	t.Helper()
	patches, err := filepath.Glob(filepath.Join("testdata", "variants", l.Dir(), "*.patch"))
	require.NoError(t, err)
	var out []variant
	for _, p := range patches {
		diff, err := os.ReadFile(p)
		require.NoError(t, err)
		m := breaksLine.FindSubmatch(diff)
		require.NotNil(t, m, "%s needs a line: // Breaks: clause_id, other_clause", p)
		out = append(out, variant{name: strings.TrimSuffix(filepath.Base(p), ".patch"), patch: p,
			breaks: strings.Split(strings.TrimSpace(string(m[1])), ", "), racy: racyLine.Match(diff)})
	}
	return out
}

// TestClausesProven: every graded clause of every lesson is broken by at
// least one variant, and every variant names clauses that exist and are
// graded. (TestVariantsFail proves that the clauses' checks catch them.)
func TestClausesProven(t *testing.T) {
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			proven := map[string]bool{}
			for _, v := range variants(t, l) {
				for _, id := range v.breaks {
					c, ok := l.Clause(id)
					if assert.True(t, ok, "%s breaks clause %q, which %s does not have", v.name, id, l.Name()) {
						assert.True(t, c.Graded(), "%s breaks clause %q, which is taught, not graded", v.name, id)
					}
					proven[id] = true
				}
			}
			for _, c := range l.Clauses() {
				if c.Graded() {
					assert.True(t, proven[c.ID], "no variant breaks clause %q: write the program that breaks only it", c.ID)
				}
			}
		})
	}
}

// TestVariantsFail: every variant fails, and for each clause it breaks, at
// least one of the checks that the clause names fails. Only those checks
// run: the others would only add their time.
func TestVariantsFail(t *testing.T) {
	t.Parallel() // share the pool with the other gradings: no tail of one waits for the next
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			t.Parallel()
			vs := variants(t, l)
			patches := make([]string, len(vs))
			for i, v := range vs {
				patches[i] = v.patch
			}
			// A variant is built with the race detector (as the lesson is)
			// only where a clause it breaks involves it: the detector
			// changes nothing else a check sees but the time and CPU it
			// costs, and most of a -race lesson's variants break other
			// clauses.
			race := map[string]bool{}
			for _, v := range vs {
				race[v.patch] = l.Race && slices.ContainsFunc(v.breaks, func(id string) bool {
					c, _ := l.Clause(id)
					return strings.Contains(strings.ToLower(c.ID+" "+c.Text), "race")
				})
			}
			dirs := prebuiltAs(t, l, patches, func(p string) bool { return race[p] })
			for _, v := range vs {
				t.Run(v.name, func(t *testing.T) {
					t.Parallel()
					l := l
					l.Race = race[v.patch]
					// A clause is proven by the first of its checks that
					// fails: each check runs alone, at most once, and a
					// clause's other checks are not run once one caught it.
					// (The CPU, not the waiting, bounds this test.)
					dir := dirs[v.patch]
					tries := 1
					if v.racy {
						tries = racyTries
					}
					for try := 1; try <= tries; try++ {
						if proveVariant(t, l, dir, v, try == tries) {
							return
						}
					}
				})
			}
		})
	}
}

// proveVariant grades variant v (built in dir) with the checks of each
// clause it breaks, and reports whether every clause was caught. With
// last, an uncaught clause fails t; without, the caller tries again.
func proveVariant(t *testing.T, l catalog.Lesson, dir string, v variant, last bool) bool {
	t.Helper()
	all := true
	ran := map[string]results.Check{}
	run := func(check string) results.Check {
		if r, ok := ran[check]; ok {
			return r
		}
		res, err := Grade(context.Background(), Options{Lesson: l, Dir: dir, CacheDir: cache, Checks: []string{check}})
		require.NoError(t, err)
		if res.Outcome == results.Skipped {
			t.Skipf("the checks that catch this variant were skipped on this machine")
		}
		require.NotEmpty(t, res.Checks, "%s: %s", check, describe(res))
		ran[check] = res.Checks[0]
		return res.Checks[0]
	}
	for _, id := range v.breaks {
		c, ok := l.Clause(id)
		require.True(t, ok, "no clause %q", id)
		// Checks already run first: they cost nothing.
		order := slices.Clone(c.Checks)
		slices.SortStableFunc(order, func(a, b string) int {
			_, ra := ran[a]
			_, rb := ran[b]
			switch {
			case ra && !rb:
				return -1
			case rb && !ra:
				return 1
			}
			return 0
		})
		caught, skipped := false, 0
		var seen []results.Check
		for _, name := range order {
			r := run(name)
			seen = append(seen, r)
			if r.Outcome == results.Skipped {
				skipped++
				continue
			}
			if r.Outcome != results.Passed {
				caught = true
				break
			}
		}
		if skipped == len(c.Checks) {
			continue // every check of this clause was skipped on this machine
		}
		if !caught && last {
			t.Errorf("it breaks clause %q, but none of its checks %v failed:\n%s", id, c.Checks,
				describe(results.Result{Outcome: results.Passed, Checks: seen}))
		}
		all = all && caught
	}
	return all
}

// TestCorrectVariantsPass: programs that keep the whole contract in
// another way than the solution (another API, another valid order, a
// header on stderr), kept as patches of the solution in
// testdata/correct/LESSON/NAME.patch, pass every check: no check demands
// more than the README says.
func TestCorrectVariantsPass(t *testing.T) {
	t.Parallel() // share the pool with the other gradings: no tail of one waits for the next
	for _, l := range catalog.Lessons() {
		patches, err := filepath.Glob(filepath.Join("testdata", "correct", l.Dir(), "*.patch"))
		require.NoError(t, err)
		if len(patches) == 0 || !matchesRun(l.Dir()) {
			continue
		}
		dirs := prebuilt(t, l, patches)
		for _, p := range patches {
			t.Run(l.Dir()+"/"+strings.TrimSuffix(filepath.Base(p), ".patch"), func(t *testing.T) {
				t.Parallel()
				res := grade(t, l, dirs[p])
				if res.Outcome == results.Skipped {
					t.Skip("the lesson was skipped on this machine")
				}
				assert.Equal(t, results.Passed, res.Outcome, describe(res))
			})
		}
	}
}

// prebuilt writes the programs that patches make of the lesson's solution
// into folders that last as long as t, and builds them all as one binary
// (build.Together: a link each would cost twice as much): grading them
// then finds them built. It returns each patch's folder.
func prebuilt(t *testing.T, l catalog.Lesson, patches []string) map[string]string {
	t.Helper()
	return prebuiltAs(t, l, patches, func(string) bool { return l.Race })
}

// prebuiltAs is prebuilt, with the race detector for the patches race says.
func prebuiltAs(t *testing.T, l catalog.Lesson, patches []string, race func(patch string) bool) map[string]string {
	t.Helper()
	dirs := map[string]string{}
	var reqs []build.Request
	for _, p := range patches {
		dirs[p] = variantDir(t, l, p)
		reqs = append(reqs, build.Request{Dir: dirs[p], Race: race(p), CacheDir: cache})
	}
	build.Together(context.Background(), reqs)
	return dirs
}

// matchesRun reports whether -run could select a test of lesson dir: a
// lesson left out is neither written nor built.
func matchesRun(dir string) bool {
	run := flag.Lookup("test.run").Value.String()
	parts := strings.Split(run, "/")
	if len(parts) < 2 {
		return true
	}
	re, err := regexp.Compile(parts[1])
	return err != nil || re.MatchString(dir)
}

// variantDir writes the solution with the variant's patch applied into a
// folder inside the module (its imports must resolve) and returns it.
func variantDir(t *testing.T, l catalog.Lesson, patch string) string {
	t.Helper()
	diff, err := os.ReadFile(patch)
	require.NoError(t, err)
	sol, err := os.ReadFile(filepath.Join(root, "solutions", l.Dir(), "main.go"))
	require.NoError(t, err)
	src, err := applyPatch(string(sol), string(diff))
	require.NoError(t, err, "%s no longer applies to the solution: write the variant again", patch)
	dir, err := os.MkdirTemp("testdata", "variant-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
	return dir
}
