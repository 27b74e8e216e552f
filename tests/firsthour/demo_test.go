package firsthour

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/tests/e2e"
)

// TestDemo_output_for_a_log runs `signalman demo` as CI would, with its
// output going to a file rather than a terminal: the log says each change
// once, in under 110 lines (about 95 before prod deploys had a bake), with
// no stage table repeated; it names the UI and the registry; and the demo
// leaves neither its data directory nor a process behind.
func TestDemo_output_for_a_log(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command(e2e.Bin.CLI, "demo", "--address", e2e.FreePort(t), "--ui", e2e.FreePort(t), "--canary-pause", "4s")
	cmd.Env = append(append(os.Environ(), e2e.GoEnv...), "TMPDIR="+tmp)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, out.String())
		}
	case <-time.After(15 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("demo still running after 15 minutes:\n%s", out.String())
	}
	log := out.String()
	t.Logf("demo output:\n%s", log)
	if n := strings.Count(log, "\n"); n >= 110 {
		t.Errorf("the demo printed %d lines, want fewer than 110", n)
	}
	if strings.Contains(log, "STAGE") || strings.Contains(log, "\033[") {
		t.Error("the demo printed a stage table or terminal escapes into a log")
	}
	for _, want := range []string{"registry: 127.0.0.1:", "tag: done", "canary: api on prod at 10%:", "v1.2.0 is in production"} {
		if !strings.Contains(log, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	// Each change is said once in its release: a change printed again is noise.
	seen := map[string]bool{}
	for line := range strings.Lines(log) {
		_, rest, timed := strings.Cut(line, " ")
		if !timed || len(line) < 9 || line[2] != ':' || line[5] != ':' {
			continue
		}
		if strings.Contains(rest, "): running, triggered by") {
			seen = map[string]bool{}
		}
		if seen[rest] {
			t.Errorf("said twice: %q", strings.TrimSpace(rest))
		}
		seen[rest] = true
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "signalman-demo-*"))
	if len(left) > 0 {
		t.Errorf("the demo left its data directory behind: %v", left)
	}
	if procs := localProcesses(t, tmp); len(procs) > 0 {
		t.Errorf("the demo left processes running:\n%s", strings.Join(procs, "\n"))
	}
}
