package catalog

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/socketlings/socketlings/checker/internal/results"
)

// Clause is one promise of a lesson's contract, as its README's "What the
// checker tests" states it. A graded clause names the checks that test it,
// and a buggy variant of the solution that breaks it (a patch whose
// "// Breaks:" line names the clause's ID) proves that they can fail.
type Clause struct {
	// ID is stable and unique within the lesson, in snake_case: variants
	// and the course's tests name clauses by it.
	ID string
	// Text is the promise as the README prints it: Markdown, usually
	// opening with a bold topic ("**Readiness:** ...").
	Text string
	// Checks are the names of the checks that test the clause.
	Checks []string
	// Taught, when set, says why nothing outside the program can check
	// the clause: it is taught, not graded, and names no check.
	Taught string
}

// Graded reports whether a check tests the clause.
func (c Clause) Graded() bool { return c.Taught == "" }

// Server marks a lesson whose program is a server that announces itself
// with `listening on HOST:PORT`: the rules every server of the course
// shares (readiness, stdout, a failed bind, signals) apply to it, as
// shared clauses checked by shared checks.
type Server struct {
	// Args are the words before -addr: a subcommand, and flags the
	// program needs (each word followed by a space), or "".
	Args string
	// Net is "tcp" or "udp".
	Net string
	// Setup is script lines that run before the server starts, in every
	// shared check that starts it (lesson 20 makes the certificates that
	// Args name), or "".
	Setup string
	// Poke is script lines that use the server once and leave, between
	// its start and its stop (so that a program that logs to stdout when
	// it serves is caught). $ADDR is the server's address.
	Poke string
	// Stdout are regular expressions for the lines that the server's
	// stdout holds after the readiness line when it stops (lesson 04's
	// totals), and StdoutText says them in the README's words.
	Stdout     []string
	StdoutText string
	// StdoutChecks are checks of the lesson's own that test the stdout
	// rule too: where the server can end on its own (lesson 13's
	// receiver, once it has lingered), one that reads its stdout after
	// it did, which server_stdout, stopping it with SIGTERM, never sees.
	StdoutChecks []string
}

// Client marks a lesson whose program is a TCP client with a timeout: the
// rules every such client shares (a refused connection, a server that
// never answers, a reply that never completes) apply to it.
type Client struct {
	// Args are the words before -addr (each followed by a space), or "".
	// Where the client sends a message, they name one longer than 20
	// bytes: client_drip's reply comes at 10 bytes a second, and must not
	// complete within its 2 seconds.
	Args string
	// Timeout are the flags that bound the client's waits, set to 500ms,
	// such as "-timeout 500ms".
	Timeout string
	// Setup is script lines that run before the client starts, in every
	// shared check (lesson 20 makes the CA file that Args name), or "".
	Setup string
}

// shared is one rule that several lessons share: a clause and the check
// (a template in suites/shared) that tests it.
type shared struct {
	clause Clause
	hint   string
}

// sharedRules returns the shared clauses that apply to the lesson, in the
// order the README prints them.
func (l Lesson) sharedRules() []shared {
	var out []shared
	if s := l.Server; s != nil {
		stdout := "the readiness line and nothing else"
		if s.StdoutText != "" {
			stdout = "the readiness line, " + s.StdoutText + ", and nothing else"
		}
		out = append(out,
			shared{Clause{ID: "server_ready", Checks: []string{"server_ready"},
				Text: "**Readiness:** once it is ready for traffic, exactly one line `listening on HOST:PORT` on stdout, naming the address really bound: the host that `-addr` asked for (the checker also asks for `127.0.0.2`) and the port the kernel gave, never 0."},
				`Print the socket's own address after the bind succeeds, not the -addr text and not a host written by hand ("What the checker tests").`},
			shared{Clause{ID: "server_stdout", Checks: append([]string{"server_stdout"}, s.StdoutChecks...),
				Text: "**Output:** stdout holds " + stdout + "; logs go to stderr."},
				`Everything but the readiness line goes to stderr: log.Printf, or fmt.Fprintln(os.Stderr, ...), never fmt.Println ("What the checker tests").`},
			shared{Clause{ID: "server_bind_error", Checks: []string{"server_bind_error"},
				Text: "**When the address cannot be had** (in use, or not on this machine): one line on stderr, no readiness line, exit status 1. A panic is never an accepted way to fail."},
				`Check the error of the bind (or Listen): print it on one line to stderr and exit 1 (log.Fatal does both), before any readiness line ("What the checker tests").`},
			shared{Clause{ID: "server_signals", Checks: []string{"server_signals"},
				Text: "**Signals:** SIGINT (Ctrl-C) and SIGTERM both stop it with exit status 0. It calls `signal.Notify` for them before it prints its readiness line: the checker holds that print and looks, in /proc, whether SIGINT has its handler by then. (For SIGTERM, whose handler Go installs itself at start, /proc cannot tell: that half is taught, not graded.)"},
				`signal.Notify (or signal.NotifyContext) with both os.Interrupt and syscall.SIGTERM, before the readiness line; then close and return from main ("What the checker tests").`},
		)
	}
	if l.Server != nil && l.Client != nil {
		// Both ends in one program: say which end each rule is about.
		for i := range out {
			out[i].clause.Text = "*The server.* " + out[i].clause.Text
		}
	}
	if c := l.Client; c != nil {
		who := ""
		if l.Server != nil {
			who = "*The client.* "
		}
		out = append(out,
			shared{Clause{ID: "client_refused", Checks: []string{"client_refused"},
				Text: who + "**When nothing listens** at `-addr`: one line on stderr, nothing on stdout, exit status 1."},
				`When Dial fails, print one line to stderr and exit 1 ("What the checker tests").`},
			shared{Clause{ID: "client_timeout", Checks: []string{"client_silent", "client_drip"},
				Text: who + "**A server that never answers, or whose reply trickles in and never completes,** does not hold it: with `" + c.Timeout + "` it gives up within 2 seconds, with one line on stderr, nothing on stdout and exit status 1."},
				`Bound the whole wait for the reply with one deadline set before you read (conn.SetDeadline), not a fresh one before every Read: bytes that trickle in must not push it back ("What the checker tests").`},
		)
	}
	status := "exit status 2, as Go's `flag` package does"
	if len(l.UsageStatus) > 0 {
		words := make([]string, len(l.UsageStatus))
		for i, n := range l.UsageStatus {
			words[i] = strconv.Itoa(n)
		}
		status = "exit status " + strings.Join(words, " or ")
	}
	out = append(out, shared{Clause{ID: "usage_flag", Checks: []string{"usage_flag"},
		Text: "**Usage errors:** a flag it does not know gets a usage message on stderr, nothing on stdout and " + status + "."},
		`Parse flags with the flag package (flag.Parse, or a FlagSet with flag.ExitOnError), which prints the usage and exits 2 ("What the checker tests").`})
	return out
}

// Clauses returns the lesson's whole contract: its own clauses, then the
// shared ones that apply to it.
func (l Lesson) Clauses() []Clause {
	out := append([]Clause(nil), l.Contract...)
	for _, s := range l.sharedRules() {
		out = append(out, s.clause)
	}
	return out
}

// HintFor returns the hint for a failure of the given kind in check. Most
// failures get the check's own hint. A failure with a cause that any check
// may meet gets the cause's hint instead: a program that never got ready,
// crashed, raced, or ended mid-check is told so, whichever check found it.
func (l Lesson) HintFor(check string, kind results.Kind) string {
	switch kind {
	case results.NotReady, results.Crashed, results.Race, results.Exited:
	default:
		return l.Hint(check)
	}
	if h, ok := l.CauseHints[kind]; ok {
		return h
	}
	switch kind {
	case results.NotReady:
		how := "run it by hand and read what it prints on stderr"
		if l.Server != nil {
			how = fmt.Sprintf("run it by hand, `go run ./lessons/%s %s-addr 127.0.0.1:0`, and read what it prints on stderr", l.Dir(), l.Server.Args)
		}
		return "Until the program prints its readiness line, on stdout and ending in a newline, no other check can talk to it: " + how + "."
	case results.Crashed:
		return "The program crashed: the trace under \"program\" names the file and line. An error from the network is a value to handle (log it and close that connection, or print one line and exit 1), never a reason to panic."
	case results.Race:
		return "Two goroutines used the same variable, one of them writing, with nothing ordering them: the race report names both places. Guard what they share with a sync.Mutex, or give it to one goroutine and talk to it over a channel."
	default: // results.Exited
		return "The program ended while the check was using it: its output above says why. An error on one connection (a reset, a failed write) ends that connection, not the program."
	}
}

// Hint returns what to reread when the check fails.
func (l Lesson) Hint(check string) string {
	if h, ok := l.Hints[check]; ok {
		return h
	}
	for _, s := range l.sharedRules() {
		for _, c := range s.clause.Checks {
			if c == check {
				return s.hint
			}
		}
	}
	return ""
}

// sharedScripts renders the shared checks that apply to the lesson.
func (l Lesson) sharedScripts() ([]Script, error) {
	usageStatus := "2"
	if len(l.UsageStatus) > 0 {
		words := make([]string, len(l.UsageStatus))
		for i, n := range l.UsageStatus {
			words[i] = strconv.Itoa(n)
		}
		usageStatus = strings.Join(words, ",")
	}
	data := struct {
		Usage       string
		UsageStatus string
		Server      *Server
		Client      *Client
	}{l.UsageArgs, usageStatus, l.Server, l.Client}
	var out []Script
	for _, s := range l.sharedRules() {
		for _, name := range s.clause.Checks {
			if l.Server != nil && slices.Contains(l.Server.StdoutChecks, name) {
				continue // the lesson's own suite, not a template
			}
			text, err := fs.ReadFile(suites, path.Join("suites", "shared", name+".txtar"))
			if err != nil {
				return nil, fmt.Errorf("shared check %s: %w", name, err)
			}
			t, err := template.New(name).Option("missingkey=error").Parse(string(text))
			if err != nil {
				return nil, fmt.Errorf("shared check %s: %w", name, err)
			}
			var b bytes.Buffer
			if err := t.Execute(&b, data); err != nil {
				return nil, fmt.Errorf("shared check %s for %s: %w", name, l.Name(), err)
			}
			out = append(out, newScript(name, b.Bytes()))
		}
	}
	return out, nil
}

// ContractMarkdown renders the README's "What the checker tests" section,
// heading excluded: the command, every clause with the checks that test
// it, and every check with what it does.
func (l Lesson) ContractMarkdown(scripts []Script) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", contractBegin)
	fmt.Fprintf(&b, "Run `go run ./checker %s`. It builds your program once and runs each check\n", l.Name())
	b.WriteString("below against it. Every clause of the contract names the checks that test it;\n")
	b.WriteString("a program that breaks a clause fails one of them.\n\n")
	b.WriteString("The contract:\n\n")
	for _, c := range l.Clauses() {
		text := strings.TrimSpace(c.Text)
		if c.Graded() {
			names := make([]string, len(c.Checks))
			for i, n := range c.Checks {
				names[i] = "`" + n + "`"
			}
			fmt.Fprintf(&b, "- %s Checked by %s.\n", text, strings.Join(names, ", "))
		} else {
			fmt.Fprintf(&b, "- %s *Taught, not graded: %s*\n", text, strings.TrimSpace(c.Taught))
		}
	}
	b.WriteString("\n| Check | What it does |\n|---|---|\n")
	for _, s := range scripts {
		fmt.Fprintf(&b, "| `%s` | %s |\n", s.Name, strings.ReplaceAll(s.Title, "|", `\|`))
	}
	fmt.Fprintf(&b, "%s\n", contractEnd)
	return b.String()
}

const (
	contractBegin = "<!-- contract: generated from checker/internal/catalog; go test ./checker/internal/catalog -update -->"
	contractEnd   = "<!-- /contract -->"
)

// ContractHeading opens the README section that ContractMarkdown fills.
const ContractHeading = "## What the checker tests\n"

var clauseID = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// CheckContract reports what is wrong with the lesson's contract: a clause
// without a check or an ID, a check that tests no clause.
func (l Lesson) CheckContract(scripts []Script) []string {
	var problems []string
	served := map[string]bool{}
	known := map[string]bool{}
	for _, s := range scripts {
		known[s.Name] = true
	}
	seen := map[string]bool{}
	for _, c := range l.Clauses() {
		switch {
		case !clauseID.MatchString(c.ID):
			problems = append(problems, fmt.Sprintf("clause %q: an ID is snake_case", c.ID))
		case seen[c.ID]:
			problems = append(problems, fmt.Sprintf("clause %q is there twice", c.ID))
		}
		seen[c.ID] = true
		if strings.TrimSpace(c.Text) == "" {
			problems = append(problems, fmt.Sprintf("clause %q says nothing", c.ID))
		}
		if c.Graded() && len(c.Checks) == 0 {
			problems = append(problems, fmt.Sprintf("clause %q names no check (or, if nothing can check it, says why in Taught)", c.ID))
		}
		if !c.Graded() && len(c.Checks) > 0 {
			problems = append(problems, fmt.Sprintf("clause %q is taught, not graded, but names checks", c.ID))
		}
		for _, name := range c.Checks {
			if !known[name] {
				problems = append(problems, fmt.Sprintf("clause %q names check %q, which %s does not have", c.ID, name, l.Name()))
			}
			served[name] = true
		}
	}
	for _, s := range scripts {
		if !served[s.Name] {
			problems = append(problems, fmt.Sprintf("check %q tests no clause of the contract", s.Name))
		}
	}
	return problems
}

// Clause returns the clause with the ID.
func (l Lesson) Clause(id string) (Clause, bool) {
	for _, c := range l.Clauses() {
		if c.ID == id {
			return c, true
		}
	}
	return Clause{}, false
}
