//go:build !linux

package classroom

import "errors"

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
