//go:build !linux

package scriptcmd

// interruptThreads does nothing where threads cannot be listed.
func interruptThreads(pid int, stop <-chan struct{}) {}
