// Command checker grades socketlings lessons. On Windows it only says
// where to run it: the lessons are Linux programs (raw sockets, process
// groups, signals), and WSL 2 runs them as they are.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "checker: the course runs on Linux (macOS works for most lessons). On Windows, install WSL 2 (wsl --install), open the Ubuntu terminal, clone the course there and run go run ./checker from it.")
	os.Exit(2)
}
