//go:build unix

package router

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockWait is how long a starting router waits for the directory lock; others
// hold it only for a moment to see whether a router is running.
const lockWait = 2 * time.Second

// lockDir takes the exclusive lock on dir that a serving router holds, so two
// routers never share a state file, and writes the holder's pid into the lock
// file. Closing the file releases the lock.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock router directory %s: %w", dir, err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("router directory %s is in use by another router: stop it first", dir)
	}
	if err == nil {
		err = f.Truncate(0)
	}
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock router directory %s: %w", dir, err)
	}
	return f, nil
}

// lockHolder returns the pid of the router holding the lock on dir: 0 if none
// does, -1 if one does but has not written its pid yet.
func lockHolder(dir string) (int, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// A shared probe, released at once: a router starting meanwhile retries.
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return 0, fmt.Errorf("check router lock in %s: %w", dir, err)
	}
	data := make([]byte, 32)
	n, _ := f.ReadAt(data, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data[:n])))
	if err != nil || pid <= 0 {
		// The holder has just taken the lock and not yet written its pid.
		return -1, nil
	}
	return pid, nil
}
