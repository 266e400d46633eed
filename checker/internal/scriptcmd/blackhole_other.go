//go:build !linux

package scriptcmd

import "errors"

func blackhole() (string, func(), error) {
	return "", nil, errors.New("fakeserver blackhole needs Linux")
}
