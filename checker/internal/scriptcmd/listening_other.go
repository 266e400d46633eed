//go:build !linux

package scriptcmd

import "errors"

func listening(port int) (bool, error) {
	return false, errors.New("watching listening sockets needs Linux's /proc")
}

// listeningBy needs Linux's /proc too.
func listeningBy(pid, port int) (bool, error) { return listening(port) }

// listensAny needs Linux's /proc too.
func listensAny(pid int) (bool, error) { return listening(0) }
