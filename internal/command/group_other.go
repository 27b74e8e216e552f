//go:build !unix

package command

import (
	"errors"
	"os"
	"syscall"
)

// newGroup returns nil: process groups are a Unix feature.
func newGroup() *syscall.SysProcAttr { return nil }

// killGroup kills only p where there are no process groups.
func killGroup(p *os.Process) error {
	err := p.Kill()
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}
