//go:build !linux

package scriptcmd

// runInterruptIfAsked does nothing: there is no interrupting helper here.
func runInterruptIfAsked() {}

// interrupt does nothing where threads cannot be listed.
func (st *State) interrupt(pid int) (stop func()) { return func() {} }
