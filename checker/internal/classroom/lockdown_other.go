//go:build !linux

package classroom

import (
	"errors"
	"os"

	"github.com/socketlings/socketlings/checker/internal/build"
)

// Lockdown is what a grading worker hides and keeps; only Linux has the
// namespaces it needs.
type Lockdown struct {
	Hide []string `json:"hide"`
	Keep []string `json:"keep"`
}

// Apply fails: there are no mount namespaces here.
func (l Lockdown) Apply() error { return errors.New("lockdown: needs Linux") }

// NoNewPrivs does nothing: the flag is Linux's.
func NoNewPrivs() error { return nil }

// Builder builds as the worker's own user: there is no other to build as
// without root, and the sandbox is Linux's.
func Builder(work, gocache, fallback string) (*build.User, error) { return nil, nil }

// ownedDir makes dir; without root it cannot be given away.
func ownedDir(dir string) error { return os.MkdirAll(dir, 0o700) }
