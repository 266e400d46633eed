//go:build !linux

package scriptcmd

// interrupt does nothing where threads cannot be listed.
func (st *State) interrupt(pid int) (stop func()) { return func() {} }
