// Package netns starts processes in network namespaces of their own, so
// that raw sockets and test traffic never touch the host's interfaces. As
// root it makes a plain network namespace; otherwise it tries a user
// namespace with a network namespace inside, where the process is root
// with no power outside.
package netns

import "errors"

// ErrUnavailable means no network namespace can be made here.
var ErrUnavailable = errors.New("no network namespace can be created here")

// HowToEnable is the advice a learner gets when namespaces are unavailable.
const HowToEnable = "run it as root (sudo -E go run ./checker ...), or let users create namespaces " +
	"(sudo sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=10000; " +
	"on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0)"
