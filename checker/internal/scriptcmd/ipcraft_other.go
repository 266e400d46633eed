//go:build !linux

package scriptcmd

import "errors"

// startWire fails: only Linux has AF_PACKET. (Isolated lessons, the only
// ones that use it, are skipped before that anyway.)
func startWire(port uint16) (*udpWire, error) {
	return nil, errors.New("watching the loopback interface needs Linux (AF_PACKET)")
}
