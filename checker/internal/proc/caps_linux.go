package proc

import "syscall"

// keepCaps keeps caps across the change of user, as ambient capabilities.
func keepCaps(a *syscall.SysProcAttr, caps []uintptr) { a.AmbientCaps = caps }
