// Package catalog is the course's single list of lessons: number, slug,
// title, what each needs, the hint for each check, and the embedded suites.
// Folder names, the README's lesson list and the "next lesson" logic are all
// derived from it.
package catalog

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/socketlings/socketlings/checker/internal/results"
)

// Lesson is one numbered lesson.
type Lesson struct {
	Number int
	Slug   string
	Title  string
	// Race builds the program with the race detector.
	Race bool
	// Isolated runs the lesson's checks in a network namespace of their
	// own (raw sockets): as root a plain one, otherwise inside a user
	// namespace; where neither can be made, the lesson is skipped.
	Isolated bool
	// Linux marks a lesson whose checks need Linux (its system calls are
	// Linux's); an Isolated lesson needs it too. Elsewhere the lesson is
	// skipped, saying why.
	Linux bool
	// Contract is the program's contract, clause by clause, in the order
	// the README's "What the checker tests" prints it (generated from
	// here). The shared clauses of Server and Client follow it.
	Contract []Clause
	// Server, if set, applies the rules every server shares.
	Server *Server
	// Client, if set, applies the rules every TCP client with a timeout
	// shares.
	Client *Client
	// UsageArgs are the words before a flag the program does not know,
	// in the shared usage check: a subcommand followed by a space, or "".
	UsageArgs string
	// UsageStatus are the exit statuses accepted for a flag the program
	// does not know; nil means 2 alone, what Go's flag package does.
	UsageStatus []int
	// Hints maps each of the lesson's own checks (script name) to what to
	// reread; shared checks bring their own.
	Hints map[string]string
	// Guide is the lesson's help a level at a time, for `checker hint`:
	// first the concept the lesson turns on, then the Go API that does it,
	// then the shape of the code. Each level gives away a little more, and
	// names the README sections to reread ("Section title").
	Guide []string
	// CauseHints, where set, replace the course's general hint for a
	// failure of that kind that is not the failing check's subject (see
	// HintFor): lesson 10 sends every data race to its own section.
	CauseHints map[results.Kind]string
}

// Dir is the lesson's folder name, as in lessons/ and solutions/.
func (l Lesson) Dir() string { return fmt.Sprintf("%02d-%s", l.Number, l.Slug) }

// NeedsLinux reports whether the lesson can be graded only on Linux.
func (l Lesson) NeedsLinux() bool { return l.Linux || l.Isolated }

// Name is how the checker names the lesson to a learner: lesson03.
func (l Lesson) Name() string { return fmt.Sprintf("lesson%02d", l.Number) }

// Script is one check: a testscript file.
type Script struct {
	Name  string // file name without .txtar
	Title string // its first line, a # comment saying what it checks
	Data  []byte
}

//go:embed suites
var suites embed.FS

// Scripts returns the lesson's checks, its own and the shared ones that
// apply to it, in teaching order (see teachingRank).
func (l Lesson) Scripts() ([]Script, error) {
	dir := path.Join("suites", l.Dir())
	entries, err := fs.ReadDir(suites, dir)
	if err != nil {
		return nil, fmt.Errorf("suites of %s: %w", l.Name(), err)
	}
	var out []Script
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".txtar")
		if !ok {
			continue
		}
		data, err := fs.ReadFile(suites, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, newScript(name, data))
	}
	common, err := l.sharedScripts()
	if err != nil {
		return nil, err
	}
	out = append(out, common...)
	rank := l.teachingRank()
	slices.SortStableFunc(out, func(a, b Script) int {
		ra, oka := rank[a.Name]
		rb, okb := rank[b.Name]
		switch {
		case oka && okb:
			return ra - rb
		case oka != okb: // a check no clause names (none should) goes last
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// teachingRank orders the lesson's checks from the simplest behaviour to
// the hardest, so that a report's first failure is the one to fix first: a
// server's readiness (nothing else can be checked without it), then the
// lesson's own clauses in the order the README states them, then the
// other shared rules (output, failures, signals, usage).
func (l Lesson) teachingRank() map[string]int {
	rank := map[string]int{}
	add := func(checks ...string) {
		for _, c := range checks {
			if _, ok := rank[c]; !ok {
				rank[c] = len(rank)
			}
		}
	}
	shared := l.sharedRules()
	if len(shared) > 0 && shared[0].clause.ID == "server_ready" {
		add(shared[0].clause.Checks...)
	}
	for _, c := range l.Contract {
		add(c.Checks...)
	}
	for _, s := range shared {
		add(s.clause.Checks...)
	}
	return rank
}

// newScript names a check and takes its title from its first line.
func newScript(name string, data []byte) Script {
	first, _, _ := strings.Cut(string(data), "\n")
	return Script{Name: name, Title: strings.TrimSpace(strings.TrimPrefix(first, "#")), Data: data}
}

// SuitesSum is the SHA-256 of every embedded suite, so a report can say
// exactly which checks graded it.
func SuitesSum() string {
	h := sha256.New()
	fs.WalkDir(suites, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := fs.ReadFile(suites, p)
		fmt.Fprintf(h, "%s %d\n", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

// Lessons returns every lesson in order.
func Lessons() []Lesson { return slices.Clone(lessons) }

// Find resolves what a learner typed: 3, 03, lesson3, lesson03,
// 03-tcp-echo-client or tcp-echo-client.
func Find(name string) (Lesson, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.TrimSuffix(strings.TrimPrefix(name, "lessons/"), "/")
	for _, l := range lessons {
		if name == l.Slug || name == l.Dir() {
			return l, true
		}
	}
	num := strings.TrimPrefix(name, "lesson")
	if n, err := strconv.Atoi(num); err == nil && len(num) <= 2 {
		for _, l := range lessons {
			if l.Number == n {
				return l, true
			}
		}
	}
	return Lesson{}, false
}

// SourceSum is the SHA-256 of a lesson folder's Go files, names and
// contents. It tells an untouched stub from an edited one.
func SourceSum(dir string) (string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no Go files in %s", dir)
	}
	files := map[string][]byte{}
	for _, f := range names {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("hash lesson source: %w", err)
		}
		files[filepath.Base(f)] = data
	}
	return filesSum(files), nil
}

// filesSum hashes files, name and content, in name order.
func filesSum(files map[string][]byte) string {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s %d\n", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stubs holds a copy of every lesson's stub, each Go file named NAME.stub
// (so that no tool takes it for source): what an untouched lesson folder
// holds, and what `checker reset` puts back.
//
//go:embed stubs
var stubs embed.FS

// Stub returns the Go files of the lesson's untouched stub, by name.
func (l Lesson) Stub() (map[string][]byte, error) {
	dir := path.Join("stubs", l.Dir())
	entries, err := fs.ReadDir(stubs, dir)
	if err != nil {
		return nil, fmt.Errorf("the stub of %s: %w", l.Name(), err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".stub")
		if !ok {
			continue
		}
		data, err := fs.ReadFile(stubs, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}

// IsStub reports whether the lesson folder dir still holds the untouched
// stub that the course ships.
func (l Lesson) IsStub(dir string) bool {
	sum, err := SourceSum(dir)
	if err != nil {
		return false
	}
	files, err := l.Stub()
	return err == nil && len(files) > 0 && sum == filesSum(files)
}
