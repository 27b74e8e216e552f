package command

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		cmd      Cmd
		wantCode int
		wantTail []string
		wantErr  string // substring of the error; empty means success
	}{
		{
			name:     "success_merges_stdout_and_stderr",
			cmd:      Cmd{Command: "echo one; echo two >&2; echo three"},
			wantTail: []string{"one", "two", "three"},
		},
		{
			name:     "failure_reports_command_dir_code_and_tail",
			cmd:      Cmd{Dir: dir, Command: "echo compiling; echo FAIL: TestX; exit 2"},
			wantCode: 2,
			wantTail: []string{"compiling", "FAIL: TestX"},
			wantErr:  `"echo compiling; echo FAIL: TestX; exit 2" in ` + dir + " exited 2; last lines:\ncompiling\nFAIL: TestX",
		},
		{
			name:     "failure_without_output_says_so",
			cmd:      Cmd{Command: "exit 3"},
			wantCode: 3,
			wantErr:  `"exit 3" in . exited 3 with no output`,
		},
		{
			name:     "killed_by_signal_says_so",
			cmd:      Cmd{Command: "echo going; kill -9 $$"},
			wantCode: -1,
			wantTail: []string{"going"},
			wantErr:  "was killed by a signal; last lines:\ngoing",
		},
		{
			name:     "tail_keeps_the_last_lines",
			cmd:      Cmd{Command: "seq 1 100", Tail: 3},
			wantTail: []string{"98", "99", "100"},
		},
		{
			name:     "tail_defaults_to_50_lines",
			cmd:      Cmd{Command: "seq 1 60"},
			wantTail: seq(11, 60),
		},
		{
			name:     "last_line_without_newline_is_kept",
			cmd:      Cmd{Command: `printf 'a\r\nb'`},
			wantTail: []string{"a", "b"},
		},
		{
			name:     "env_passes_through",
			cmd:      Cmd{Command: `echo "$RELEASE $PATH_SEEN"`, Env: []string{"RELEASE=v1.101.0", "PATH_SEEN=yes"}},
			wantTail: []string{"v1.101.0 yes"},
		},
		{
			name:     "env_overrides_home",
			cmd:      Cmd{Command: `echo "$HOME"`, Env: []string{"HOME=/nowhere"}},
			wantTail: []string{"/nowhere"},
		},
		{
			name:     "runs_in_dir",
			cmd:      Cmd{Dir: dir, Command: "basename $(pwd)"},
			wantTail: []string{filepath.Base(dir)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.cmd)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			} else {
				var exitErr *ExitError
				if !errors.As(err, &exitErr) {
					t.Fatalf("Run error = %v, want *ExitError", err)
				}
				if exitErr.Code != tt.wantCode {
					t.Errorf("ExitError.Code = %d, want %d", exitErr.Code, tt.wantCode)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
				}
			}
			if res.ExitCode != tt.wantCode {
				t.Errorf("ExitCode = %d, want %d", res.ExitCode, tt.wantCode)
			}
			if !slices.Equal(res.Tail, tt.wantTail) {
				t.Errorf("Tail = %q, want %q", res.Tail, tt.wantTail)
			}
			if res.Duration <= 0 {
				t.Errorf("Duration = %v, want > 0", res.Duration)
			}
		})
	}
}

func TestRunEnvironmentIsMinimal(t *testing.T) {
	t.Setenv("SIGNALMAN_TEST_SECRET", "hunter2")
	res, err := Run(context.Background(), Cmd{Command: `echo "[$SIGNALMAN_TEST_SECRET]"`})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := []string{"[]"}; !slices.Equal(res.Tail, want) {
		t.Errorf("Tail = %q, want %q: the worker's environment leaked", res.Tail, want)
	}
}

func TestRunOnLineGetsEveryLine(t *testing.T) {
	var got []string
	res, err := Run(context.Background(), Cmd{
		Command: "seq 1 5000; echo done >&2",
		Tail:    2,
		OnLine:  func(line string) { got = append(got, line) },
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := append(seq(1, 5000), "done"); !slices.Equal(got, want) {
		t.Errorf("OnLine got %d lines, want %d in order", len(got), len(want))
	}
	if want := []string{"5000", "done"}; !slices.Equal(res.Tail, want) {
		t.Errorf("Tail = %q, want %q", res.Tail, want)
	}
}

func TestRunCutsLongLines(t *testing.T) {
	res, err := Run(context.Background(), Cmd{Command: "head -c 100000 /dev/zero | tr '\\0' x; echo; echo short"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Tail) != 2 {
		t.Fatalf("Tail has %d lines, want 2", len(res.Tail))
	}
	if want := strings.Repeat("x", MaxLine) + truncated; res.Tail[0] != want {
		t.Errorf("long line has %d bytes, want %d ending in %q", len(res.Tail[0]), len(want), truncated)
	}
	if res.Tail[1] != "short" {
		t.Errorf("line after the long one = %q, want %q", res.Tail[1], "short")
	}
}

func TestRunMissingDirFailsToStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := Run(context.Background(), Cmd{Dir: dir, Command: "true"})
	if err == nil || !strings.Contains(err.Error(), `start "true" in `+dir) {
		t.Errorf("Run error = %v, want one naming the command and dir", err)
	}
}

func seq(from, to int) []string {
	var s []string
	for i := from; i <= to; i++ {
		s = append(s, strconv.Itoa(i))
	}
	return s
}
