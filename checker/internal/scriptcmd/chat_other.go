//go:build !linux

package scriptcmd

import "syscall"

// slowControl is Linux's only: elsewhere slow's socket is left as it is,
// and slowClosed does not judge.
var slowControl func(network, address string, c syscall.RawConn) error
