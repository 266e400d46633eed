package scriptcmd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

func cmdGenFile(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "genfile")
	usage(ts, len(args) == 2, "genfile FILE SIZE")
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(path, pattern(size, uint64(size)^0xf11e), 0o644))
	// The program may have to replace it (lesson 13's receiver does).
	ts.Check(state(ts).chownToProgram(path))
}

func cmdSameFile(ts *testscript.TestScript, neg bool, args []string) {
	noNeg(ts, neg, "samefile")
	usage(ts, len(args) == 2, "samefile WANT GOT")
	st := state(ts)
	want, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	got, err := os.ReadFile(ts.MkAbs(args[1]))
	if err != nil {
		st.fail(ts, Failure{What: fmt.Sprintf("there is no file %s: %v", args[1], err),
			Want: fmt.Sprintf("%s, a copy of %s (%d bytes)", args[1], args[0], len(want))})
	}
	if bytes.Equal(got, want) {
		return
	}
	i := firstDiff(got, want)
	f := Failure{
		What: fmt.Sprintf("%s differs from %s", args[1], args[0]),
		Got:  fmt.Sprintf("%d bytes, SHA-256 %s", len(got), sum(got)),
		Want: fmt.Sprintf("%d bytes, SHA-256 %s", len(want), sum(want)),
	}
	switch {
	case i == len(got):
		f.What += fmt.Sprintf(": it is cut short after %d of %d bytes", len(got), len(want))
	case i == len(want):
		f.What += fmt.Sprintf(": it has %d bytes too many after the end", len(got)-len(want))
	default:
		f.What += fmt.Sprintf(": first at byte %d (got %s, want %s)", i,
			Show(got[i:min(i+8, len(got))]), Show(want[i:min(i+8, len(want))]))
	}
	st.fail(ts, f)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
