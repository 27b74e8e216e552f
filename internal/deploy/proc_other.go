//go:build !unix

package deploy

import (
	"context"
	"errors"
	"syscall"
)

// errNoUnix is the process target on a system without sessions and signals.
var errNoUnix = errors.New("the process target needs a Unix system; use the docker target")

func ownSession() *syscall.SysProcAttr { return nil }

func terminate(int) error { return errNoUnix }

func kill(int) error { return errNoUnix }

func exists(int) bool { return false }

func lockFile(context.Context, string) (func(), error) { return nil, errNoUnix }

func tryLockFile(string) (func(), error) { return nil, errNoUnix }
