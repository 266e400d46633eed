package grader

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/socketlings/socketlings/checker/internal/results"
	"github.com/socketlings/socketlings/checker/internal/scriptcmd"
)

// builtinFailure says, in the report's own terms, why one of testscript's
// own commands failed on the program's output: `stdout`, `stderr` (with
// `!` or `-count=N`), `cmp` and `cmpenv`. It returns nil for any other
// command. So no learner ever reads "unexpected match for `.`" or
// "stdout and want.txt differ".
func builtinFailure(command string, script []byte, s *scriptcmd.Streams) *results.Failure {
	if s == nil {
		return nil
	}
	neg := false
	if rest, ok := strings.CutPrefix(command, "!"); ok {
		neg, command = true, strings.TrimSpace(rest)
	}
	args := splitArgs(command)
	if len(args) < 2 {
		return nil
	}
	name, args := args[0], args[1:]
	for i, a := range args {
		args[i] = expand(a, s.Getenv)
	}
	switch name {
	case "stdout", "stderr":
		out := s.Stdout
		if name == "stderr" {
			out = s.Stderr
		}
		return matchFailure(name, neg, args, out)
	case "cmp", "cmpenv":
		if neg || len(args) != 2 || (args[0] != "stdout" && args[0] != "stderr") {
			return nil
		}
		want, ok := archiveFile(script, args[1])
		if !ok {
			return nil
		}
		if name == "cmpenv" && s.Getenv != nil {
			want = []byte(os.Expand(string(want), s.Getenv))
		}
		got := s.Stdout
		if args[0] == "stderr" {
			got = s.Stderr
		}
		return diffFailure(args[0], got, want)
	}
	return nil
}

// matchFailure explains a failed `stdout` or `stderr` match.
func matchFailure(stream string, neg bool, args []string, out []byte) *results.Failure {
	count := -1
	if v, ok := strings.CutPrefix(args[0], "-count="); ok {
		n, err := strconv.Atoi(v)
		if err != nil || len(args) < 2 {
			return nil
		}
		count, args = n, args[1:]
	}
	pattern := args[0]
	f := &results.Failure{Kind: results.Output, Got: showLines(out)}
	what := describePattern(pattern)
	switch {
	case neg && what == "":
		f.What = fmt.Sprintf("the program wrote to %s, where nothing was expected", stream)
		f.Want = "nothing on " + stream
	case neg:
		f.What = fmt.Sprintf("%s holds %s, which it must not", stream, what)
		f.Want = fmt.Sprintf("no %s on %s", what, stream)
	case count >= 0 && isAnyLine(pattern):
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil
		}
		f.What = fmt.Sprintf("%s holds %s, not %s", stream, lines(len(re.FindAll(out, -1))), lines(count))
		f.Want = fmt.Sprintf("exactly %s on %s", lines(count), stream)
	case count >= 0:
		re, err := regexp.Compile(pattern)
		if err != nil {
			return nil
		}
		f.What = fmt.Sprintf("%s holds %d of %s, not %d", stream, len(re.FindAll(out, -1)), what, count)
		f.Want = fmt.Sprintf("%d of %s on %s", count, what, stream)
	case what == "":
		f.What = fmt.Sprintf("the program wrote nothing to %s", stream)
		f.Want = "something on " + stream
	default:
		f.What = fmt.Sprintf("%s does not hold what was expected", stream)
		f.Want = what + " on " + stream
	}
	return f
}

// diffFailure explains a failed `cmp`: where the bytes first differ, and
// what each side holds there.
func diffFailure(stream string, got, want []byte) *results.Failure {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	f := &results.Failure{Kind: results.Output}
	switch {
	case i == len(got):
		f.What = fmt.Sprintf("%s stops after %d of the %d bytes expected", stream, len(got), len(want))
	case i == len(want):
		f.What = fmt.Sprintf("%s holds %d bytes more than the %d expected", stream, len(got)-len(want), len(want))
	default:
		f.What = fmt.Sprintf("%s differs from what was expected at byte %d (line %d)", stream, i, bytes.Count(got[:i], []byte("\n"))+1)
	}
	f.Got = around(got, i)
	f.Want = around(want, i)
	return f
}

// around shows the bytes of b near offset i: the whole of b when it is
// short, else a window from a little before i.
func around(b []byte, i int) string {
	if len(b) <= 120 {
		return scriptcmd.Show(b)
	}
	from := max(0, min(i, len(b))-16)
	to := min(len(b), from+48)
	window := b[from:to]
	if printableText(window) {
		return fmt.Sprintf("%d bytes; from byte %d: %s", len(b), from, strconv.Quote(string(window)))
	}
	return fmt.Sprintf("%d bytes; from byte %d, in hex:\n%s", len(b), from, strings.TrimRight(hex.Dump(window), "\n"))
}

func printableText(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c > 0x7e {
			return false
		}
	}
	return true
}

// showLines shows a stream's text as lines, cut to a readable size.
func showLines(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	if !printableText(b) {
		return scriptcmd.Show(b)
	}
	ls := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(ls) > 20 {
		ls = append(ls[:20], fmt.Sprintf("… (%d lines in all)", len(ls)))
	}
	for i, l := range ls {
		if len(l) > 160 {
			ls[i] = l[:160] + " …"
		}
	}
	return strings.Join(ls, "\n")
}

func lines(n int) string {
	switch n {
	case 0:
		return "no line"
	case 1:
		return "one line"
	}
	return fmt.Sprintf("%d lines", n)
}

// isAnyLine tells the patterns that mean "a line of any text".
func isAnyLine(p string) bool {
	switch p {
	case `(?m)^.+$`, `^.+$`, `.+`, `(?m).+`:
		return true
	}
	return false
}

// describePattern says in words what a regular expression of the suites
// looks for: "" for anything at all, else "a line like …" with the anchors
// and escapes taken off.
func describePattern(p string) string {
	if p == "." || p == "(?s)." {
		return ""
	}
	if isAnyLine(p) {
		return "a line"
	}
	s := p
	for _, flag := range []string{"(?m)", "(?s)", "(?ms)", "(?sm)"} {
		s = strings.TrimPrefix(s, flag)
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, `\A`), "^")
	s = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, `\z`), `\n`), "$")
	s = strings.NewReplacer(`\.`, ".", `\[`, "[", `\]`, "]", `\(`, "(", `\)`, ")", `\+`, "+", `\?`, "?", `\*`, "*", `\|`, "|", `\\`, `\`).Replace(s)
	return "a line like `" + s + "`"
}

// expand replaces the script's variables in a word as testscript does,
// ${NAME@R} by the value quoted for a regular expression.
func expand(word string, getenv func(string) string) string {
	if getenv == nil {
		return word
	}
	return os.Expand(word, func(name string) string {
		if v, ok := strings.CutSuffix(name, "@R"); ok {
			return regexp.QuoteMeta(getenv(v))
		}
		return getenv(name)
	})
}

// archiveFile returns the file name of the script's archive.
func archiveFile(script []byte, name string) ([]byte, bool) {
	for _, f := range txtar.Parse(script).Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// splitArgs splits a script line into words as testscript does: spaces
// separate, single quotes group (” is a quote).
func splitArgs(line string) []string {
	var args []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in && c == '\'' && i+1 < len(line) && line[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case c == '\'':
			in, started = !in, true
		case !in && (c == ' ' || c == '\t'):
			if started {
				args = append(args, cur.String())
				cur.Reset()
				started = false
			}
		case !in && c == '#':
			i = len(line)
		default:
			cur.WriteByte(c)
			started = true
		}
	}
	if started {
		args = append(args, cur.String())
	}
	return args
}
