//go:build unix

package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestRunStopsTheProcessGroup(t *testing.T) {
	tests := []struct {
		name    string
		command string
		cancel  bool // cancel the context once the grandchild's pid is known
		wantErr error
	}{
		{
			name:    "cancel_kills_a_grandchild",
			command: "sleep 100 & echo $!; wait",
			cancel:  true,
			wantErr: context.Canceled,
		},
		{
			name:    "deadline_kills_a_grandchild",
			command: "sleep 100 & echo $!; wait",
			wantErr: context.DeadlineExceeded,
		},
		{
			name:    "exit_kills_a_leftover_background_process",
			command: "sleep 100 & echo $!",
		},
		{
			name:    "exit_kills_a_leftover_that_closed_its_output",
			command: "sleep 100 >/dev/null 2>&1 & echo $!",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if tt.wantErr == context.DeadlineExceeded {
				ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
			}
			defer cancel()

			var pid int
			start := time.Now()
			_, err := Run(ctx, Cmd{Command: tt.command, OnLine: func(line string) {
				pid, _ = strconv.Atoi(line)
				if tt.cancel {
					cancel()
				}
			}})
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Run took %v, want it to return promptly", elapsed)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Run error = %v, want %v", err, tt.wantErr)
			}
			if pid == 0 {
				t.Fatal("the command did not print the grandchild's pid")
			}
			waitGone(t, pid)
		})
	}
}

// waitGone fails the test unless process pid is gone within a few seconds.
// A zombie counts as gone: it no longer runs, and whether it is reaped
// depends on the init process of the machine.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil {
		// The state follows the command name, which is in parentheses.
		i := bytes.LastIndexByte(stat, ')')
		return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
	}
	if _, err := os.Stat("/proc/self/stat"); err == nil {
		return false
	}
	return syscall.Kill(pid, 0) == nil
}
