//go:build unix

package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	// startTimeout bounds how long Ensure waits for a new router to answer.
	startTimeout = 10 * time.Second
	// stopTimeout bounds how long Stop waits after SIGTERM before SIGKILL;
	// it leaves the router time to finish requests under way.
	stopTimeout = shutdownTimeout + 5*time.Second
	// pollInterval is how often Ensure and Stop look again.
	pollInterval = 50 * time.Millisecond
)

// Ensure returns the router serving dir, starting one if none answers.
//
// A new router is command followed by --dir, --listen 127.0.0.1:0 and
// --admin 127.0.0.1:0, run detached: in a session of its own, stdin from
// /dev/null, output appended to dir/router.log. It outlives the caller, so a
// worker restart does not stop traffic; the next Ensure or Open finds it. With
// a previous router.json it takes the same traffic port again when free.
func Ensure(ctx context.Context, dir string, command []string) (Client, Info, error) {
	if len(command) == 0 {
		return Client{}, Info{}, errors.New("ensure router: no command to start it with")
	}
	if c, info, err := Open(dir); err == nil {
		return c, info, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return Client{}, Info{}, fmt.Errorf("ensure router: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Client{}, Info{}, fmt.Errorf("ensure router: create directory: %w", err)
	}
	holder, err := lockHolder(dir)
	if err != nil {
		return Client{}, Info{}, fmt.Errorf("ensure router in %s: %w", dir, err)
	}
	var child *startedRouter
	if holder == 0 {
		if child, err = startRouter(dir, command); err != nil {
			return Client{}, Info{}, err
		}
	}
	return waitReady(ctx, dir, child)
}

// startedRouter is a router process this process started.
type startedRouter struct {
	cmd       *exec.Cmd
	exited    chan error
	logOffset int64 // where its output starts in router.log
}

func startRouter(dir string, command []string) (*startedRouter, error) {
	logPath := filepath.Join(dir, logFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start router in %s: open log: %w", dir, err)
	}
	defer logf.Close()
	offset, err := logf.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("start router in %s: %w", dir, err)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("start router in %s: %w", dir, err)
	}
	defer devnull.Close()

	args := append(slices.Clone(command[1:]), "--dir", dir, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	cmd := exec.Command(command[0], args...)
	cmd.Dir = dir
	cmd.Stdin = devnull
	cmd.Stdout = logf
	cmd.Stderr = logf
	// A session of its own: no signal sent to the caller's process group or
	// terminal reaches the router.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start router in %s: %w", dir, err)
	}
	r := &startedRouter{cmd: cmd, exited: make(chan error, 1), logOffset: offset}
	// Reap it if it exits while this process lives.
	go func() { r.exited <- cmd.Wait() }()
	return r, nil
}

// waitReady waits until the router in dir answers. child, if not nil, is the
// router this call started.
func waitReady(ctx context.Context, dir string, child *startedRouter) (Client, Info, error) {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var exited <-chan error
	if child != nil {
		exited = child.exited
	}
	for {
		c, info, err := Open(dir)
		if err == nil {
			return c, info, nil
		}
		select {
		case <-ctx.Done():
			return Client{}, Info{}, fmt.Errorf("wait for router in %s: %w", dir, ctx.Err())
		case werr := <-exited:
			exited = nil
			// Another router may have taken the directory first; wait for it.
			if holder, _ := lockHolder(dir); holder != 0 {
				continue
			}
			return Client{}, Info{}, fmt.Errorf("router in %s exited while starting (%v)%s", dir, werr, child.logTail(dir))
		case <-deadline.C:
			if exited != nil {
				_ = child.cmd.Process.Kill()
			}
			var tail string
			if child != nil {
				tail = child.logTail(dir)
			}
			return Client{}, Info{}, fmt.Errorf("router in %s did not answer within %s: %v%s", dir, startTimeout, err, tail)
		case <-tick.C:
		}
	}
}

// logTail returns the end of what the router wrote to its log, for an error.
func (r *startedRouter) logTail(dir string) string {
	const tailBytes = 4 << 10
	f, err := os.Open(filepath.Join(dir, logFile))
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	from := max(r.logOffset, st.Size()-tailBytes)
	data := make([]byte, st.Size()-from)
	n, _ := f.ReadAt(data, from)
	text := strings.TrimSpace(string(data[:n]))
	if text == "" {
		return "; it wrote nothing to " + filepath.Join(dir, logFile)
	}
	return "; the end of " + filepath.Join(dir, logFile) + ":\n" + text
}

// Stop stops the router serving dir with SIGTERM and waits until it is gone,
// giving it time to finish requests under way; one that does not stop in time
// is killed. No router running is not an error.
func Stop(dir string) error {
	pid, err := lockHolder(dir)
	if err != nil {
		return fmt.Errorf("stop router in %s: %w", dir, err)
	}
	if pid == 0 {
		return nil
	}
	if pid < 0 {
		// It is starting: its pid is a moment away.
		time.Sleep(pollInterval)
		if pid, err = lockHolder(dir); err != nil || pid <= 0 {
			return fmt.Errorf("stop router in %s: it holds the directory but its pid is unknown (%v); try again", dir, err)
		}
	}
	if pid == os.Getpid() {
		return fmt.Errorf("stop router in %s: it runs in this process; close its Server instead", dir)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop router in %s (pid %d): %w", dir, pid, err)
	}
	if waitUnlocked(dir, stopTimeout) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill router in %s (pid %d): %w", dir, pid, err)
	}
	if waitUnlocked(dir, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("router in %s (pid %d) is still running after SIGTERM and SIGKILL", dir, pid)
}

// waitUnlocked waits up to d for the router holding dir to let go of it.
func waitUnlocked(dir string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(pollInterval) {
		if pid, err := lockHolder(dir); err == nil && pid == 0 {
			return true
		}
	}
	return false
}
