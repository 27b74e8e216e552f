// Package command runs the shell commands of a pipeline (test commands,
// migrations) with a bounded record of their output.
package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// DefaultTail is the number of output lines kept when Cmd.Tail is zero.
const DefaultTail = 50

// reapDelay bounds two waits: for the shell to die once its group was killed,
// and for output after the group is gone, in case a process left the group
// and still holds the output open.
const reapDelay = 2 * time.Second

// Cmd is a shell command to run.
type Cmd struct {
	// Dir is the working directory; empty means the current one.
	Dir string
	// Command is run by "sh -c".
	Command string
	// Env is added to a minimal environment holding only PATH and HOME;
	// a later entry for the same key wins, so Env may override them.
	Env []string
	// Tail is the number of last output lines kept (DefaultTail when zero).
	Tail int
	// OnLine, if set, is called with each line of output, stdout and stderr
	// merged, in order and from one goroutine. It should return quickly.
	OnLine func(line string)
}

// Result is what a finished command left behind.
type Result struct {
	// ExitCode is the shell's exit status, or -1 if it was killed by a signal.
	ExitCode int
	// Tail holds the last lines of output, oldest first.
	Tail []string
	// Duration is the wall time from start to finish.
	Duration time.Duration
}

// Run runs c.Command with "sh -c" in its own process group and waits for it.
//
// A non-zero exit returns an *ExitError with the output tail. When ctx is
// done the whole process group is killed and Run returns ctx's error at once.
// Processes the command leaves running in its group when the shell exits are
// killed too, so a test command cannot leak a server.
func Run(ctx context.Context, c Cmd) (Result, error) {
	n := c.Tail
	if n <= 0 {
		n = DefaultTail
	}
	out := newLines(n, c.OnLine)

	r, w, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("run %q in %s: %w", c.Command, dirName(c.Dir), err)
	}
	defer r.Close()

	cmd := exec.CommandContext(ctx, "sh", "-c", c.Command)
	cmd.Dir = c.Dir
	cmd.Env = environ(c.Env)
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.SysProcAttr = newGroup()
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	cmd.WaitDelay = reapDelay // then exec kills the shell itself

	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.Close()
		return Result{}, fmt.Errorf("start %q in %s: %w", c.Command, dirName(c.Dir), err)
	}
	// The children hold their own copies of w; ours must go so that reading
	// ends when the last of them exits.
	w.Close()

	read := make(chan struct{})
	go func() {
		defer close(read)
		out.consume(r)
	}()

	waitErr := cmd.Wait()
	// Leftovers in the group die with it. A group id is not reused while the
	// group has members; once it is empty, the kill finds nothing (unless a
	// new process took the pid and led a group of its own in this instant).
	killGroup(cmd.Process)
	select {
	case <-read:
	case <-time.After(reapDelay):
		r.Close()
		<-read
	}

	res := Result{
		ExitCode: cmd.ProcessState.ExitCode(),
		Tail:     out.Tail(),
		Duration: time.Since(start),
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
		return res, nil
	case ctx.Err() != nil:
		return res, fmt.Errorf("%q in %s stopped: %w", c.Command, dirName(c.Dir), ctx.Err())
	case errors.As(waitErr, &exitErr):
		return res, &ExitError{Command: c.Command, Dir: c.Dir, Code: res.ExitCode, Tail: res.Tail}
	default:
		return res, fmt.Errorf("wait for %q in %s: %w", c.Command, dirName(c.Dir), waitErr)
	}
}

// environ builds the minimal environment of a command.
func environ(extra []string) []string {
	var env []string
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// dirName names a working directory in messages.
func dirName(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}
