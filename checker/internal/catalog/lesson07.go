package catalog

var lesson07 = Lesson{
	Number: 7, Slug: "deadlines", Title: "Timeouts on both ends",
	Hints: map[string]string{
		"echo_lines":          `Read with a bufio.Reader up to each '\n' (ReadSlice or ReadString) and write the whole line back; close at EOF; on SIGTERM close the listener and return ("Step-by-step tasks").`,
		"idle_silent":         `Before reading each line, conn.SetReadDeadline(time.Now().Add(idle)); when the read fails with os.ErrDeadlineExceeded, close that connection and keep serving the others ("An idle timeout per line").`,
		"idle_slowloris":      `Set the deadline once per line, not before every Read: bytes that trickle in must not push it back ("An idle timeout per line").`,
		"idle_active":         `A deadline is an instant, not a duration: set a fresh one before each line, or an active client is cut off when the first one passes ("Deadlines are instants").`,
		"idle_stalled":        `Serve each connection in its own goroutine with its own per-line deadline: a stalled client is cut off when its time is up, and holds up nobody meanwhile ("An idle timeout per line").`,
		"client_echo":         `Send -msg followed by '\n', read up to the newline (bufio.Reader.ReadString) and print that line ("Step-by-step tasks").`,
		"client_timeout_dial": `Connect with a net.Dialer whose Timeout is -dial-timeout; when Dial fails with a timeout, the stderr line says 'dial timeout' ("Timeouts in the client").`,
		"client_timeout_read": `After connecting, conn.SetDeadline(time.Now().Add(timeout)) before writing and reading; when the read fails with a timeout, the stderr line says 'read timeout' ("Timeouts in the client").`,
		"client_errors":       `Say 'dial timeout' or 'read timeout' only when the error is a timeout (errors.As into a net.Error, then Timeout()); report other errors as they are ("Telling a timeout from other errors").`,
	},
}
