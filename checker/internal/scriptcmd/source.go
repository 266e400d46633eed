package scriptcmd

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

func cmdImports(ts *testscript.TestScript, neg bool, args []string) {
	usage(ts, len(args) >= 1, "imports PKG...")
	st := state(ts)
	found, err := importsOf(st.Source)
	ts.Check(err)
	for _, pkg := range args {
		for path, file := range found {
			if path == pkg {
				if neg {
					st.fail(ts, Failure{What: fmt.Sprintf("%s imports %q", file, path),
						Want: fmt.Sprintf("no import of %s: this lesson is about the system calls underneath it", pkg)})
				}
				return
			}
		}
	}
	if !neg {
		st.fail(ts, Failure{What: fmt.Sprintf("the program imports none of %s", strings.Join(args, ", "))})
	}
}

// importsOf maps each import path of the Go files in dir (tests excluded) to
// the first file that imports it.
func importsOf(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read source: %w", err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			return nil, fmt.Errorf("parse source: %w", err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if _, ok := found[path]; !ok {
				found[path] = filepath.Base(name)
			}
		}
	}
	return found, nil
}
