package app

import (
	"os"

	"github.com/signalman/signalman/internal/deploy/router"
)

// RouterArg, as a binary's first argument, makes it run as a traffic
// router: the worker and the CLI start their routers by re-executing
// themselves, so no other binary has to be installed.
const RouterArg = "__router"

// RunRouter runs the router and exits when the process was started as one.
// Mains call it first.
func RunRouter() {
	if len(os.Args) > 1 && os.Args[1] == RouterArg {
		os.Exit(router.Main(os.Args[2:]))
	}
}

// RouterCommand starts a router: this very binary, in router mode.
func RouterCommand() []string {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return []string{exe, RouterArg}
}
