package grader

import (
	"fmt"
	"strconv"
	"strings"
)

// applyPatch applies a unified diff of one file to that file's text. Hunks
// must match exactly, at their line or nearby: a variant whose patch no
// longer applies to the solution needs to be written again.
func applyPatch(orig, patch string) (string, error) {
	src := strings.SplitAfter(orig, "\n")
	var out []string
	pos := 0 // next line of src not yet copied
	lines := strings.SplitAfter(patch, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "@@ ") {
			continue
		}
		start, err := hunkStart(l)
		if err != nil {
			return "", err
		}
		var old, new []string
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "@@ ") && lines[i+1] != "" {
			i++
			h := lines[i]
			switch {
			case strings.HasPrefix(h, `\ No newline`):
				trim := func(s []string) {
					if len(s) > 0 {
						s[len(s)-1] = strings.TrimSuffix(s[len(s)-1], "\n")
					}
				}
				if strings.HasPrefix(lines[i-1], "+") {
					trim(new)
				} else {
					trim(old)
					if strings.HasPrefix(lines[i-1], " ") {
						trim(new)
					}
				}
			case strings.HasPrefix(h, " "):
				old, new = append(old, h[1:]), append(new, h[1:])
			case strings.HasPrefix(h, "-"):
				old = append(old, h[1:])
			case strings.HasPrefix(h, "+"):
				new = append(new, h[1:])
			default:
				return "", fmt.Errorf("unexpected line in hunk: %q", h)
			}
		}
		at := -1
		for d := 0; d < 50 && at < 0; d++ {
			for _, c := range []int{start - 1 + d, start - 1 - d} {
				if c >= pos && c+len(old) <= len(src) && equal(src[c:c+len(old)], old) {
					at = c
					break
				}
			}
		}
		if at < 0 {
			return "", fmt.Errorf("hunk %s does not apply", strings.TrimSpace(l))
		}
		out = append(append(out, src[pos:at]...), new...)
		pos = at + len(old)
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), nil
}

func hunkStart(header string) (int, error) {
	// @@ -start,count +start,count @@
	f := strings.Fields(header)
	if len(f) < 3 || !strings.HasPrefix(f[1], "-") {
		return 0, fmt.Errorf("bad hunk header %q", header)
	}
	n, _, _ := strings.Cut(f[1][1:], ",")
	return strconv.Atoi(n)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
