//go:build unix

package command

import (
	"errors"
	"os"
	"syscall"
)

// newGroup puts the shell in a process group of its own, so that it and
// everything it starts can be killed together.
func newGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group that p leads. A group that is already
// gone is not an error.
func killGroup(p *os.Process) error {
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
