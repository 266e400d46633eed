package catalog

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the generated files (stub copies, README tables) from the tree")

const root = "../../.."

func TestFind(t *testing.T) {
	for _, name := range []string{"3", "03", "lesson3", "lesson03", "03-tcp-echo-client", "tcp-echo-client", "Lesson03", "lessons/03-tcp-echo-client/"} {
		l, ok := Find(name)
		if assert.True(t, ok, name) {
			assert.Equal(t, 3, l.Number, name)
		}
	}
	for _, name := range []string{"", "99", "lesson99", "echo", "003x", "lesson"} {
		_, ok := Find(name)
		assert.False(t, ok, name)
	}
}

// TestTreeMatchesCatalog walks the catalogue and the folders: no orphan,
// and every lesson has its README, stub, solution, suites and hints.
func TestTreeMatchesCatalog(t *testing.T) {
	known := map[string]bool{}
	for i, l := range Lessons() {
		require.Equal(t, i+1, l.Number, "lessons are numbered 1, 2, 3... in order")
		known[l.Dir()] = true
		t.Run(l.Dir(), func(t *testing.T) {
			readme, err := os.ReadFile(filepath.Join(root, "lessons", l.Dir(), "README.md"))
			require.NoError(t, err, "every lesson has a README.md")
			assert.Contains(t, string(readme), "## What the checker tests", "the README states the contract")

			stub, err := os.ReadFile(filepath.Join(root, "lessons", l.Dir(), "main.go"))
			require.NoError(t, err, "every lesson has a stub main.go")
			assert.Contains(t, string(stub), "// TODO", "a stub marks where the learner works")

			sol, err := os.ReadFile(filepath.Join(root, "solutions", l.Dir(), "main.go"))
			require.NoError(t, err, "every lesson has a solution")
			assert.NotContains(t, string(sol), "TODO", "a solution has no TODO left")

			scripts, err := l.Scripts()
			require.NoError(t, err)
			require.NotEmpty(t, scripts, "every lesson has checks")
			for _, s := range scripts {
				assert.True(t, strings.HasPrefix(string(s.Data), "# "), "%s: the first line is a # comment saying what it checks", s.Name)
				assert.NotEmpty(t, l.Hint(s.Name), "%s: every check has a hint", s.Name)
				assert.Regexp(t, `^[a-z0-9]+_[a-z0-9_]+$`, s.Name, "checks are named category_behaviour")
			}
			for name := range l.Hints {
				found := false
				for _, s := range scripts {
					found = found || s.Name == name
				}
				assert.True(t, found, "hint for %q has no check", name)
			}
			// Every README section a hint points at exists.
			for name, hint := range l.Hints {
				for _, quoted := range quotedSections(hint) {
					assert.Contains(t, string(readme), "## "+quoted, "%s: the hint names README section %q", name, quoted)
				}
			}
			for kind, hint := range l.CauseHints {
				for _, quoted := range quotedSections(hint) {
					assert.Contains(t, string(readme), "## "+quoted, "%s hint: names README section %q", kind, quoted)
				}
			}
			// The guide: concept, Go API, shape of the code.
			assert.Len(t, l.Guide, 3, "the guide has three levels: the concept, the Go API, the shape of the code")
			for i, level := range l.Guide {
				assert.NotEmpty(t, quotedSections(level), "guide level %d names the README section to reread", i+1)
				for _, quoted := range quotedSections(level) {
					assert.Contains(t, string(readme), "## "+quoted, "guide level %d: names README section %q", i+1, quoted)
				}
			}
		})
	}
	for _, top := range []string{"lessons", "solutions"} {
		entries, err := os.ReadDir(filepath.Join(root, top))
		require.NoError(t, err)
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			assert.True(t, known[e.Name()], "%s/%s is not in the catalogue", top, e.Name())
		}
	}
}

// quotedSections returns the "..." names in a hint.
func quotedSections(hint string) []string {
	var out []string
	parts := strings.Split(hint, `"`)
	for i := 1; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return out
}

// TestStubCopies keeps the checker's copy of every stub (stubs/) equal to
// lessons/, so that it can tell an untouched stub and `reset` can put one
// back. Run with -update after changing a stub.
func TestStubCopies(t *testing.T) {
	for _, l := range Lessons() {
		names, err := filepath.Glob(filepath.Join(root, "lessons", l.Dir(), "*.go"))
		require.NoError(t, err)
		want := map[string][]byte{}
		for _, n := range names {
			data, err := os.ReadFile(n)
			require.NoError(t, err)
			want[filepath.Base(n)] = data
		}
		if *update {
			dir := filepath.Join("stubs", l.Dir())
			require.NoError(t, os.RemoveAll(dir))
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for name, data := range want {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name+".stub"), data, 0o644))
			}
			continue
		}
		got, err := l.Stub()
		require.NoError(t, err)
		assert.Equal(t, want, got, "%s: the copy in stubs/ is stale: go test ./checker/internal/catalog -run TestStubCopies -update", l.Dir())
		assert.True(t, l.IsStub(filepath.Join(root, "lessons", l.Dir())), "%s: the stub is recognised", l.Dir())
	}
}

// TestReadmeLessonTable keeps README.md's lesson table generated from the
// catalogue. Run with -update to rewrite it.
func TestReadmeLessonTable(t *testing.T) {
	var table strings.Builder
	table.WriteString("| # | Lesson | You build |\n|---|---|---|\n")
	for _, l := range Lessons() {
		fmt.Fprintf(&table, "| %02d | [%s](lessons/%s/README.md) | %s |\n", l.Number, l.Slug, l.Dir(), l.Title)
	}
	keepGenerated(t, filepath.Join(root, "README.md"), "lessons", table.String())
}

// keepGenerated keeps the part of the file at path between the markers
// "<!-- NAME: generated ... -->" and "<!-- /NAME -->" equal to body, or
// writes it there with -update.
func keepGenerated(t *testing.T, path, name, body string) {
	t.Helper()
	begin := "<!-- " + name + ": generated from checker/internal/catalog; go test ./checker/internal/catalog -update -->\n"
	end := "<!-- /" + name + " -->"
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	before, rest, ok := strings.Cut(string(data), begin)
	require.True(t, ok, "%s lacks the marker %q", path, strings.TrimSpace(begin))
	_, after, ok := strings.Cut(rest, end)
	require.True(t, ok, "%s lacks the marker %q", path, end)
	want := before + begin + body + end + after
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	assert.Equal(t, want, string(data), "%s is stale where the catalogue generates it: go test ./checker/internal/catalog -update", path)
}

// TestContract: every clause of every lesson names the checks that test it
// (or says why it is taught, not graded), and every check tests a clause.
func TestContract(t *testing.T) {
	for _, l := range Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			scripts, err := l.Scripts()
			require.NoError(t, err)
			for _, p := range l.CheckContract(scripts) {
				t.Error(p)
			}
		})
	}
}

// TestReadmeContract keeps each README's "What the checker tests" section
// generated from the catalogue: the section is the generated block and
// nothing else. Run with -update to rewrite it.
func TestReadmeContract(t *testing.T) {
	for _, l := range Lessons() {
		t.Run(l.Dir(), func(t *testing.T) {
			path := filepath.Join(root, "lessons", l.Dir(), "README.md")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			scripts, err := l.Scripts()
			require.NoError(t, err)
			before, rest, ok := strings.Cut(string(data), ContractHeading)
			require.True(t, ok, "the README has a section %q", strings.TrimSpace(ContractHeading))
			after := ""
			if i := strings.Index(rest, "\n## "); i >= 0 {
				after = rest[i+1:]
			}
			want := before + ContractHeading + "\n" + l.ContractMarkdown(scripts) + "\n" + after
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
				return
			}
			assert.Equal(t, want, string(data), "the README's contract is stale, or was edited by hand: go test ./checker/internal/catalog -update")
		})
	}
}

// TestCourseContracts keeps docs/course.md's count of graded and taught
// clauses generated from the catalogue. Run with -update to rewrite it.
func TestCourseContracts(t *testing.T) {
	var table strings.Builder
	table.WriteString("| # | Lesson | Clauses | Graded | Taught, not graded |\n|---|---|---|---|---|\n")
	graded, all := 0, 0
	for _, l := range Lessons() {
		n, taught := 0, []string{}
		for _, c := range l.Clauses() {
			if c.Graded() {
				n++
			} else {
				taught = append(taught, fmt.Sprintf("`%s`: %s", c.ID, strings.TrimSuffix(strings.TrimSpace(c.Taught), ".")))
			}
		}
		graded += n
		all += len(l.Clauses())
		fmt.Fprintf(&table, "| %02d | %s | %d | %d | %s |\n", l.Number, l.Slug, len(l.Clauses()), n, strings.Join(taught, "; "))
	}
	fmt.Fprintf(&table, "| | all | %d | %d | %d |\n", all, graded, all-graded)
	keepGenerated(t, filepath.Join(root, "docs", "course.md"), "contracts", table.String())
}
