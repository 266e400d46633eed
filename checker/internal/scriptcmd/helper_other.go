//go:build !linux

package scriptcmd

import (
	"context"
	"errors"
	"time"
)

// runUDPLoadIfAsked does nothing: load helpers are started on Linux only.
func runUDPLoadIfAsked() {}

// startLoadHelper fails: elsewhere the load comes from a goroutine.
func startLoadHelper(context.Context, *udpPeer, []byte, time.Duration, *loader) (func(), error) {
	return nil, errors.New("load helpers are started on Linux only")
}
