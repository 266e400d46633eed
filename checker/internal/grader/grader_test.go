package grader

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
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

var caughtBy = regexp.MustCompile(`(?m)^// Caught by: (.+)$`)

// TestVariantsFail: every realistic buggy program kept in
// testdata/variants/LESSON/BUG fails, and fails at least one of the checks
// its "// Caught by:" line names. Each lesson keeps at least three.
func TestVariantsFail(t *testing.T) {
	for _, l := range catalog.Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			dirs, err := filepath.Glob(filepath.Join("testdata", "variants", l.Dir(), "*"))
			require.NoError(t, err)
			assert.GreaterOrEqual(t, len(dirs), 3, "every lesson keeps at least three buggy variants")
			for _, dir := range dirs {
				t.Run(filepath.Base(dir), func(t *testing.T) {
					t.Parallel()
					src, err := os.ReadFile(filepath.Join(dir, "main.go"))
					require.NoError(t, err)
					m := caughtBy.FindSubmatch(src)
					require.NotNil(t, m, "main.go needs a line: // Caught by: check_name, other_check")
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
					if skipped == len(want) {
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
