package grader

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/socketlings/socketlings/checker/internal/catalog"
)

const root = "../../.."

var cache string

func TestMain(m *testing.M) {
	RunWorkerIfAsked()
	// Grading a buggy program is mostly waiting for deadlines, not
	// computing: more than one at a time a core, unless -parallel says.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(max(4, runtime.NumCPU())))
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

func grade(t *testing.T, l catalog.Lesson, dir string) Result {
	t.Helper()
	res, err := Grade(context.Background(), Options{Lesson: l, Dir: dir, CacheDir: cache})
	require.NoError(t, err)
	return res
}

// describe renders a result for a failing test's message.
func describe(r Result) string {
	var b bytes.Buffer
	b.WriteString(string(r.Outcome) + "\n" + r.BuildOutput)
	for _, c := range r.Checks {
		b.WriteString("  " + string(c.Outcome) + " " + c.Name + ": " + c.Message + "\n")
		if c.Failure != nil {
			b.WriteString("    " + c.Failure.What + "\n")
		}
	}
	return b.String()
}

// TestSolutionsPass: every reference solution passes every check.
func TestSolutionsPass(t *testing.T) {
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			t.Parallel()
			res := grade(t, l, filepath.Join(root, "solutions", l.Dir()))
			assert.Equal(t, Passed, res.Outcome, describe(res))
		})
	}
}

// TestStubsFail: every untouched stub builds, and fails.
func TestStubsFail(t *testing.T) {
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			t.Parallel()
			res := grade(t, l, filepath.Join(root, "lessons", l.Dir()))
			assert.Equal(t, Failed, res.Outcome, describe(res))
		})
	}
}

var caughtBy = regexp.MustCompile(`(?m)^\+?// Caught by: (.+)$`)

// TestVariantsFail: every realistic buggy program kept as a patch of the
// solution in testdata/variants/LESSON/BUG.patch fails, and fails at least
// one of the checks its "// Caught by:" line names. Each lesson keeps at
// least three.
func TestVariantsFail(t *testing.T) {
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			t.Parallel()
			patches, err := filepath.Glob(filepath.Join("testdata", "variants", l.Dir(), "*.patch"))
			require.NoError(t, err)
			assert.GreaterOrEqual(t, len(patches), 3, "every lesson keeps at least three buggy variants")
			for _, p := range patches {
				t.Run(strings.TrimSuffix(filepath.Base(p), ".patch"), func(t *testing.T) {
					t.Parallel()
					dir := variantDir(t, l, p)
					src, err := os.ReadFile(filepath.Join(dir, "main.go"))
					require.NoError(t, err)
					m := caughtBy.FindSubmatch(src)
					require.NotNil(t, m, "the variant needs a line: // Caught by: check_name, other_check")
					want := strings.Split(string(m[1]), ", ")
					res := grade(t, l, dir)
					skipped := 0
					for _, c := range res.Checks {
						for _, w := range want {
							if c.Name == w && c.Outcome == Skipped {
								skipped++
							}
						}
					}
					if skipped == len(want) || res.Outcome == Skipped {
						t.Skipf("every check that catches this variant was skipped on this machine")
					}
					require.Equal(t, Failed, res.Outcome, describe(res))
					caught := false
					for _, c := range res.Checks {
						for _, w := range want {
							caught = caught || (c.Name == w && c.Outcome != Passed)
						}
					}
					assert.True(t, caught, "none of %v failed:\n%s", want, describe(res))
				})
			}
		})
	}
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
