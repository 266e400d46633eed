package scriptcmd

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseResponseHead: a good head parses; each malformed one is named.
func TestParseResponseHead(t *testing.T) {
	r, problem := parseResponseHead([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\ncontent-type: text/plain\r\n\r\n"))
	require.Empty(t, problem)
	assert.Equal(t, 404, r.status)
	assert.Equal(t, []string{"text/plain"}, r.get("Content-Type"))
	n, problem := r.contentLength()
	assert.Empty(t, problem)
	assert.Equal(t, 3, n)

	for head, want := range map[string]string{
		"HTTP/1.1 200 OK\nContent-Length: 0\n\n":                            "CRLF",
		"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n":                     "status line",
		"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n":                      "says HTTP/1.0",
		"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n":                     "not `Name: value`",
		"\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":                    "1 bytes came before the status line",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n":                               "not `Name: value`",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n": "",
	} {
		_, problem := parseResponseHead([]byte(head))
		if want == "" {
			assert.Empty(t, problem, head)
			continue
		}
		assert.Contains(t, problem, want, head)
	}
	r, _ = parseResponseHead([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
	_, problem = r.contentLength()
	assert.Contains(t, problem, "Transfer-Encoding")
	r, _ = parseResponseHead([]byte("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"))
	_, problem = r.contentLength()
	assert.Contains(t, problem, "not a number")
}

// respondWith returns the client end of a connection whose server writes
// reply, then closes if closeAfter.
func respondWith(t *testing.T, reply string, closeAfter bool) net.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(reply))
		if closeAfter {
			c.Close()
			return
		}
		t.Cleanup(func() { c.Close() })
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestExpectResponse: expectResponse reads exactly one response and judges
// it as httpexpect documents.
func TestExpectResponse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := NewState(ctx, "", "")
	const ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"

	// Two responses in a row: the first read leaves the second in place.
	c := respondWith(t, ok+ok, false)
	assert.Nil(t, expectResponse(st, c, httpWant{statuses: []int{200}, body: []byte("hello"), ctype: regexp.MustCompile(`\Atext/plain\z`)}))
	assert.Nil(t, expectResponse(st, c, httpWant{statuses: []int{404, 200}}))

	for name, tc := range map[string]struct {
		reply string
		close bool
		want  httpWant
		what  string
	}{
		"status":        {ok, true, httpWant{statuses: []int{404}}, "the status is 200"},
		"body":          {ok, true, httpWant{statuses: []int{200}, body: []byte("world")}, "the body is not"},
		"short body":    {"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", true, httpWant{statuses: []int{200}}, "5 bytes of body came"},
		"no length":     {"HTTP/1.1 200 OK\r\n\r\nhello", true, httpWant{statuses: []int{200}}, "0 Content-Length"},
		"head length":   {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", false, httpWant{statuses: []int{200}, head: true, body: []byte("hello")}, "HEAD says Content-Length: 4"},
		"not closing":   {ok, true, httpWant{statuses: []int{200}, close: true}, "does not say Connection: close"},
		"extra bytes":   {strings.Replace(ok, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1) + "!", true, httpWant{statuses: []int{200}, close: true}, "more bytes came"},
		"nothing":       {"", true, httpWant{statuses: []int{200}}, "closed without a response"},
		"type":          {ok, true, httpWant{statuses: []int{200}, ctype: regexp.MustCompile(`\Atext/html\z`)}, "Content-Type is"},
		"bare newlines": {"HTTP/1.1 200 OK\nContent-Length: 0\n\n", true, httpWant{statuses: []int{200}}, "CRLF"},
	} {
		c := respondWith(t, tc.reply, tc.close)
		f := expectResponse(st, c, tc.want)
		if assert.NotNil(t, f, name) {
			assert.Contains(t, f.What, tc.what, name)
		}
	}

	// Connection: close, then EOF: passes.
	c = respondWith(t, strings.Replace(ok, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1), true)
	assert.Nil(t, expectResponse(st, c, httpWant{statuses: []int{200}, close: true}))
}

// TestHTTPInteropCurl: curl, a real client, agrees with lesson 22's
// solution on keep-alive, HEAD, chunked uploads and traversal.
func TestHTTPInteropCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (Debian package curl): the interop test needs it")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build lesson 22's solution")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "http22")
	out, err := exec.Command(goTool, "build", "-o", bin, "../../../solutions/22-http-server").CombinedOutput()
	require.NoError(t, err, "%s", out)
	www := filepath.Join(dir, "www")
	require.NoError(t, os.MkdirAll(filepath.Join(www, "docs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(www, "hello.txt"), []byte("Hello, HTTP!\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(www, "docs", "index.html"), []byte("<h1>docs</h1>\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret\n"), 0o644))
	require.NoError(t, os.Symlink("../secret.txt", filepath.Join(www, "leak.txt")))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-root", www, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	require.True(t, ok, "readiness line %q", line)
	base := "http://" + addr

	run := func(args ...string) (string, string) {
		c := exec.CommandContext(ctx, curl, append([]string{"-sS", "--max-time", "10"}, args...)...)
		var errOut strings.Builder
		c.Stderr = &errOut
		got, err := c.Output()
		require.NoError(t, err, "curl %v: %s", args, errOut.String())
		return string(got), errOut.String()
	}

	// Two URLs: one connection, kept alive.
	got, verbose := run("-v", base+"/hello.txt", base+"/docs/")
	assert.Equal(t, "Hello, HTTP!\n<h1>docs</h1>\n", got)
	assert.Contains(t, verbose, "< Content-Length: 13")
	assert.Contains(t, verbose, "< Content-Type: text/html")
	assert.Regexp(t, `(?i)re-?using existing connection`, verbose)

	// HEAD: the head alone.
	got, _ = run("-I", base+"/hello.txt")
	assert.Contains(t, got, "HTTP/1.1 200 OK\r\n")
	assert.Contains(t, got, "Content-Length: 13\r\n")

	// A chunked upload comes back decoded.
	got, _ = run("--data-binary", "echo me, in chunks", "-H", "Transfer-Encoding: chunked", base+"/echo")
	assert.Equal(t, "echo me, in chunks", got)

	// Traversal, as written and through a link.
	for _, target := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/leak.txt"} {
		got, _ = run("--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", base+target)
		assert.Contains(t, []string{"400", "403", "404"}, got, target)
	}
}

// TestHTTPCommandsAgainstNetHTTP: net/http's own server, a correct HTTP/1.1
// implementation, passes httpsend, httpexpect, httpclient and httpslow.
func TestHTTPCommandsAgainstNetHTTP(t *testing.T) {
	www := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(www, "hello.txt"), []byte("Hello, HTTP!\n"), 0o644))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.FileServer(http.Dir(www)), ReadHeaderTimeout: 300 * time.Millisecond,
		ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	defer srv.Close()

	dir := t.TempDir()
	script := `httpsend -every=5 c 'GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'
httpexpect -type='text/plain(;.*)?' -body='Hello, HTTP!\n' c 200
httpexpect -head -body='Hello, HTTP!\n' c 200
httpsend c 'GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
httpexpect -close c 404
httpclient -n=3 -type='text/plain(;.*)?' -body-file=hello.txt GET /hello.txt 200
dial loris
httpslow loris 1500ms
`
	script = strings.Replace(script, "-body-file=hello.txt", "-file="+filepath.Join(www, "hello.txt"), 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "http.txtar"), []byte("dial c\n"+script), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Run("script", func(t *testing.T) {
		testscript.Run(t, testscript.Params{Dir: dir, Cmds: Commands(), Setup: func(env *testscript.Env) error {
			env.Setenv("ADDR", ln.Addr().String())
			return Setup(NewState(ctx, "", ""))(env)
		}})
	})
}
