package scriptcmd

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// unescape turns a suite's TEXT argument into bytes.
func unescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i == len(s) {
			return nil, fmt.Errorf("%q ends with a lone backslash", s)
		}
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '0':
			out = append(out, 0)
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, fmt.Errorf("%q: \\x needs two hex digits", s)
			}
			b, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("%q: bad \\x escape: %w", s, err)
			}
			out = append(out, byte(b))
			i += 2
		default:
			return nil, fmt.Errorf("%q: unknown escape \\%c", s, s[i])
		}
	}
	return out, nil
}

// Show renders bytes for a learner: quoted text when it is plain ASCII
// text, else a hex dump of up to 64 bytes (a quoted string would show runes
// that are not there). Long values are cut, saying so.
func Show(b []byte) string {
	const max = 120
	if len(b) == 0 {
		return "nothing (0 bytes)"
	}
	if cut := b[:min(len(b), max)]; printable(cut) {
		if len(cut) < len(b) {
			return strconv.Quote(string(cut)) + fmt.Sprintf(" … (%d bytes in all)", len(b))
		}
		return strconv.Quote(string(cut))
	}
	hx, which := b, ""
	if len(hx) > 64 {
		hx, which = hx[:64], ", the first 64"
	}
	return fmt.Sprintf("%d bytes, in hex%s:\n  %s", len(b), which, strings.ReplaceAll(strings.TrimRight(hex.Dump(hx), "\n"), "\n", "\n  "))
}

// printable is true for ASCII text: letters, digits, punctuation, spaces,
// tabs and line ends. Anything else is shown in hex too.
func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c >= 0x7f {
			return false
		}
	}
	return true
}
