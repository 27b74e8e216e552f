//go:build unix

package deploy

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a held lock is tried again.
const lockPoll = 50 * time.Millisecond

// ownSession makes a started process the leader of a new session and process
// group, so that it outlives the worker and its group can be signalled.
func ownSession() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// terminate asks the process group pid leads to stop.
func terminate(pid int) error { return signalGroup(pid, syscall.SIGTERM) }

// kill stops the process group pid leads at once.
func kill(pid int) error { return signalGroup(pid, syscall.SIGKILL) }

// signalGroup signals a process group; one that is gone is not an error.
func signalGroup(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return nil
	}
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// exists reports whether a process with this pid exists (signal 0).
func exists(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// lockFile takes an exclusive lock on path, shared by every process and
// goroutine that locks the same file, waiting for it until ctx is done.
// The lock dies with the process holding it, and the file descriptor is not
// inherited by the instances started while it is held.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	return lock(ctx, path, true)
}

// tryLockFile takes the lock lockFile takes if it is free, and otherwise
// returns a nil unlock.
func tryLockFile(path string) (unlock func(), err error) {
	return lock(context.Background(), path, false)
}

func lock(ctx context.Context, path string, wait bool) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		if !wait {
			f.Close()
			return nil, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}
