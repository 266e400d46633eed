//go:build !linux

package scriptcmd

import (
	"context"
	"errors"
	"time"
)

// runHelpersIfAsked does nothing: helpers are started on Linux only.
func runHelpersIfAsked() {}

// startLoadHelper fails: elsewhere the load comes from a goroutine.
func startLoadHelper(context.Context, *udpPeer, []byte, time.Duration, *loader) (func(), error) {
	return nil, errors.New("load helpers are started on Linux only")
}
