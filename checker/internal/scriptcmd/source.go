package scriptcmd

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
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
						Want: fmt.Sprintf("no import of %s: in this lesson you write what it does yourself", pkg)})
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

func cmdDiscards(ts *testscript.TestScript, neg bool, args []string) {
	usage(ts, len(args) == 1 && strings.Count(args[0], ".") == 1, "discards PKG.FUNC")
	st := state(ts)
	pkg, fn, _ := strings.Cut(args[0], ".")
	where, err := discardedResults(st.Source, pkg, fn)
	ts.Check(err)
	switch {
	case neg && len(where) > 0:
		st.fail(ts, Failure{
			What: fmt.Sprintf("%s throws away the count that %s returns", strings.Join(where, ", "), args[0]),
			Got:  "a call whose first result is dropped or assigned to _",
			Want: fmt.Sprintf("use the count: %s may take only part of the buffer, and the rest must be written again", args[0]),
		})
	case !neg && len(where) == 0:
		st.fail(ts, Failure{What: fmt.Sprintf("no call to %s drops its first result", args[0])})
	}
}

func cmdCalls(ts *testscript.TestScript, neg bool, args []string) {
	ok := len(args) >= 1
	for _, a := range args {
		ok = ok && strings.Count(a, ".") == 1
	}
	usage(ts, ok, "calls PKG.FUNC...")
	st := state(ts)
	where, err := callsTo(st.Source, args)
	ts.Check(err)
	switch {
	case neg && len(where) > 0:
		st.fail(ts, Failure{What: fmt.Sprintf("%s calls %s", strings.Join(where, ", "), strings.Join(args, " or "))})
	case !neg && len(where) == 0:
		st.fail(ts, Failure{What: fmt.Sprintf("the program never calls %s", strings.Join(args, " or "))})
	}
}

// callsTo finds the calls, in the Go files of dir, to any of funcs
// (PKG.FUNC, PKG the name the file uses).
func callsTo(dir string, funcs []string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	return findInSource(files, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		pkg, ok := sel.X.(*ast.Ident)
		return ok && slices.Contains(funcs, pkg.Name+"."+sel.Sel.Name)
	})
}

// discardedResults finds the calls to pkg.fn, in the Go files of dir, whose
// first result is not kept: a call on its own, or one assigned to _.
func discardedResults(dir, pkg, fn string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	isCall := func(e ast.Expr) bool {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != fn {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		return ok && id.Name == pkg
	}
	return findInSource(files, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ExprStmt:
			return isCall(n.X)
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 && isCall(n.Rhs[0]) && len(n.Lhs) > 0 {
				id, ok := n.Lhs[0].(*ast.Ident)
				return ok && id.Name == "_"
			}
		}
		return false
	})
}

// findInSource parses the Go files among files (tests left out) and
// returns the positions (file:line) of the nodes that match.
func findInSource(files []string, match func(ast.Node) bool) ([]string, error) {
	var where []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, fmt.Errorf("parse source: %w", err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if n != nil && match(n) {
				where = append(where, position(fset, n.Pos()))
			}
			return true
		})
	}
	return where, nil
}

func position(fset *token.FileSet, p token.Pos) string {
	pos := fset.Position(p)
	return fmt.Sprintf("%s:%d", filepath.Base(pos.Filename), pos.Line)
}

func cmdNotifyUnbuf(ts *testscript.TestScript, neg bool, args []string) {
	usage(ts, len(args) == 0, "notifyunbuf")
	st := state(ts)
	where, err := unbufferedNotify(st.Source)
	ts.Check(err)
	switch {
	case neg && len(where) > 0:
		st.fail(ts, Failure{
			What: fmt.Sprintf("%s hands signal.Notify a channel with no room (make(chan os.Signal) without a size)", strings.Join(where, ", ")),
			Want: "make(chan os.Signal, 1): signal.Notify never waits, so a signal that comes while nobody is receiving is lost on an unbuffered channel",
		})
	case !neg && len(where) == 0:
		st.fail(ts, Failure{What: "no call to signal.Notify is given an unbuffered channel"})
	}
}

// unbufferedNotify finds the calls to signal.Notify, in the Go files of dir,
// whose channel is made without room, as go vet's sigchanyzer does: a
// make(chan T) (or make(chan T, 0)) passed directly, or assigned to the
// variable passed.
func unbufferedNotify(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	unbuffered := func(e ast.Expr) bool {
		call, ok := e.(*ast.CallExpr)
		if !ok {
			return false
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "make" {
			return false
		}
		if len(call.Args) == 0 {
			return false
		}
		if _, ok := call.Args[0].(*ast.ChanType); !ok {
			return false
		}
		if len(call.Args) == 1 {
			return true
		}
		lit, ok := call.Args[1].(*ast.BasicLit)
		return ok && lit.Value == "0"
	}
	// made says whether the variable id was declared or assigned, where it
	// was declared, with an unbuffered make.
	made := func(id *ast.Ident) bool {
		if id.Obj == nil {
			return false
		}
		switch d := id.Obj.Decl.(type) {
		case *ast.AssignStmt:
			for i, lhs := range d.Lhs {
				if l, ok := lhs.(*ast.Ident); ok && l.Name == id.Name && i < len(d.Rhs) {
					return unbuffered(d.Rhs[i])
				}
			}
		case *ast.ValueSpec:
			for i, n := range d.Names {
				if n.Name == id.Name && i < len(d.Values) {
					return unbuffered(d.Values[i])
				}
			}
		}
		return false
	}
	return findInSource(files, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Notify" {
			return false
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "signal" {
			return false
		}
		switch ch := call.Args[0].(type) {
		case *ast.CallExpr:
			return unbuffered(ch)
		case *ast.Ident:
			return made(ch)
		}
		return false
	})
}
