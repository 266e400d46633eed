//go:build !linux

package scriptcmd

import "errors"

func listening(port int) (bool, error) {
	return false, errors.New("watching listening sockets needs Linux's /proc")
}
