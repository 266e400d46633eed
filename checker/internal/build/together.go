package build

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Together builds, ahead of time, programs that the course itself wrote
// (the buggy and correct variants of a solution that its tests grade) as
// one binary a group, and puts that binary in r.CacheDir under the name
// of each program, as hard links: Program then finds each built. The
// binary runs the program its name says (os.Args[0]), so a program runs as
// if it had been built alone, with the same flags.
//
// Linking is most of a program's build, and one link instead of dozens
// makes the tests' builds about half as costly. But every program of a
// group is then in the same process image: its package-level variables
// and init functions run in all of them. That is fine for the course's
// own code, and never for a learner's: Together is not for submissions.
//
// A program qualifies when its folder holds Go files of package main only,
// with one func main, no func init, and no package-level variable set
// from a package with process-wide state (flag, os, log...: two programs
// defining the same flag there would both fail at start); the others are
// left to Programs. It is best effort
// like Programs: a group that does not build is left to it whole.
func Together(ctx context.Context, reqs []Request) {
	type group struct {
		mod, cache string
		race       bool
	}
	groups := map[group][]Request{}
	var rest []Request
	for _, r := range reqs {
		mod := findModule(r.Dir)
		if mod == "" || absOrSame(r.Dir) == mod || noCgo(r.Dir) != nil {
			rest = append(rest, r)
			continue
		}
		g := group{mod, r.CacheDir, r.Race}
		groups[g] = append(groups[g], r)
	}
	for g, rs := range groups {
		if left := together(ctx, g.mod, g.race, rs); len(left) > 0 {
			rest = append(rest, left...)
		}
	}
	Programs(ctx, rest)
}

var (
	packageMain = regexp.MustCompile(`(?m)^package main\b`)
	funcMain    = regexp.MustCompile(`(?m)^func main\(\) \{`)
	nameMain    = regexp.MustCompile(`\bMain\b`)
)

// together builds rs, all of one module, cache and race setting, as one
// binary, and returns those it did not build.
func together(ctx context.Context, mod string, race bool, rs []Request) []Request {
	modPath, err := modulePath(mod)
	if err != nil || len(rs) == 0 {
		return rs
	}
	cache := rs[0].CacheDir
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return rs
	}
	// The merged source lives beside the first program, inside the module,
	// so that the programs' imports resolve as they do for each alone.
	src, err := os.MkdirTemp(filepath.Dir(absOrSame(rs[0].Dir)), "together-")
	if err != nil {
		return rs
	}
	defer os.RemoveAll(src)

	names := map[string]string{} // program's name in the cache -> its package
	var left []Request
	for i, r := range rs {
		key, err := cacheKey(r)
		if err != nil {
			left = append(left, r)
			continue
		}
		if _, err := os.Stat(filepath.Join(cache, key)); err == nil {
			continue // built already
		}
		if _, twice := names[key]; twice {
			continue
		}
		pkg := fmt.Sprintf("p%d", i)
		if err := asPackage(r.Dir, filepath.Join(src, pkg), pkg); err != nil {
			left = append(left, r)
			continue
		}
		names[key] = pkg
	}
	if len(names) == 0 {
		return left
	}
	rel, err := filepath.Rel(mod, src)
	if err != nil {
		return rs
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), dispatcher(modPath+"/"+filepath.ToSlash(rel), names), 0o644); err != nil {
		return rs
	}

	// Built in the cache's folder, so that the links to it never cross a
	// file system; ".tmp", so that prune leaves it alone.
	tmp, err := os.CreateTemp(cache, "together-*.tmp")
	if err != nil {
		return rs
	}
	tmp.Close()
	out := tmp.Name()
	defer os.Remove(out)
	bctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	cmd := exec.CommandContext(bctx, "go", append(buildArgs(race, out), src)...)
	cmd.Dir = mod
	cmd.Env = buildEnv()
	if err := cmd.Run(); err != nil {
		return rs
	}
	if err := os.Chmod(out, 0o755); err != nil {
		return rs
	}
	for _, r := range rs {
		key, err := cacheKey(r)
		if err != nil || names[key] == "" {
			continue
		}
		if err := os.Link(out, filepath.Join(cache, key)); err != nil && !os.IsExist(err) {
			left = append(left, r)
		}
	}
	return left
}

// asPackage copies the Go files of the program in dir into dst as package
// pkg, its func main renamed Main: lines stay where they were, so that a
// stack trace or a race report names the same lines.
func asPackage(dir, dst, pkg string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no Go files in %s", dir)
	}
	if err := os.Mkdir(dst, 0o755); err != nil {
		return err
	}
	mains := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if packageMain.FindIndex(data) == nil {
			return fmt.Errorf("%s is not in package main", f)
		}
		if nameMain.Match(data) {
			return fmt.Errorf("%s already uses the name Main", f)
		}
		if err := ownsNoGlobals(f, data); err != nil {
			return err
		}
		data = packageMain.ReplaceAll(data, []byte("package "+pkg))
		mains += len(funcMain.FindAllIndex(data, -1))
		data = funcMain.ReplaceAll(data, []byte("func Main() {"))
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	if mains != 1 {
		return fmt.Errorf("%s has %d func main", dir, mains)
	}
	return nil
}

// processWide are the packages whose use in a package-level variable's
// value or in a func init would act on the whole process, so on every
// program of a merged binary.
var processWide = map[string]bool{"flag": true, "os": true, "log": true, "signal": true, "http": true, "runtime": true, "debug": true, "syscall": true, "unix": true, "net": true}

// ownsNoGlobals fails when the file has a func init, or a package-level
// variable whose value uses a package of processWide.
func ownsNoGlobals(name string, src []byte) error {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				return fmt.Errorf("%s has a func init", name)
			}
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			var found string
			ast.Inspect(d, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && processWide[id.Name] {
						found = id.Name + "." + sel.Sel.Name
					}
				}
				return found == ""
			})
			if found != "" {
				return fmt.Errorf("%s sets a package-level variable with %s", name, found)
			}
		}
	}
	return nil
}

// dispatcher is the merged binary's main package: it runs the program
// that its name (the name of the cache entry it was started as) stands for.
func dispatcher(base string, names map[string]string) []byte {
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"path/filepath\"\n\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\t%s %q\n", names[k], base+"/"+names[k])
	}
	b.WriteString(")\n\nfunc main() {\n\tswitch name := filepath.Base(os.Args[0]); name {\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\tcase %q:\n\t\t%s.Main()\n", k, names[k])
	}
	b.WriteString("\tdefault:\n\t\tfmt.Fprintf(os.Stderr, \"no program is called %s here\\n\", name)\n\t\tos.Exit(2)\n\t}\n}\n")
	return b.Bytes()
}

// modulePath reads the module path from the go.mod in mod.
func modulePath(mod string) (string, error) {
	data, err := os.ReadFile(filepath.Join(mod, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`), nil
		}
	}
	return "", fmt.Errorf("no module line in %s", filepath.Join(mod, "go.mod"))
}
