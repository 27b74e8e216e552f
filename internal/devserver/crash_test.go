package devserver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

// crashDirEnv makes the test binary the process that crashes: it serves
// DataDir from this variable, leaves workflows there, says ready and waits to
// be killed.
const crashDirEnv = "SIGNALMAN_DEVSERVER_CRASH_DIR"

func TestKilledProcessLosesNothing(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		leaveWorkflowsAndHang(t, dir)
		return
	}
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKilledProcessLosesNothing$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start crashing process: %v", err)
	}
	ready := false
	for lines := bufio.NewScanner(out); !ready && lines.Scan(); {
		t.Logf("crashing process: %s", lines.Text())
		ready = lines.Text() == "ready"
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill crashing process: %v", err)
	}
	_ = cmd.Wait()
	if !ready {
		t.Fatal("crashing process did not get ready")
	}

	s := startTest(t, Options{DataDir: dir, SearchAttributes: testAttrs, DisableUI: true})
	c := dial(t, s)
	runWorker(t, c, "test")
	desc, err := c.DescribeWorkflowExecution(ctx, "before", "")
	if err != nil {
		t.Fatalf("describe workflow completed before the crash: %v", err)
	}
	if got := desc.GetWorkflowExecutionInfo().GetStatus(); got != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("workflow completed before the crash is %s", got)
	}
	began := time.Now()
	if err := c.SignalWorkflow(ctx, "blocked", "", "go", "on-call"); err != nil {
		t.Fatalf("signal workflow started before the crash: %v", err)
	}
	var got string
	if err := c.GetWorkflow(ctx, "blocked", "").Get(ctx, &got); err != nil {
		t.Fatalf("workflow started before the crash: %v", err)
	}
	t.Logf("workflow completed %v after the signal", time.Since(began).Round(time.Millisecond))
	if got != "released by on-call" {
		t.Errorf("workflow result = %q, want %q", got, "released by on-call")
	}
}

// leaveWorkflowsAndHang completes one workflow and starts one that waits for
// a signal, then hangs without stopping anything.
func leaveWorkflowsAndHang(t *testing.T, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{DataDir: dir, FrontendAddr: "127.0.0.1:0", DisableUI: true, SearchAttributes: testAttrs, Logger: testLogger()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	c := dial(t, s)
	runWorker(t, c, "test")
	if err := run(ctx, t, c, "before", greet, "crash").Get(ctx, nil); err != nil {
		t.Fatalf("before: %v", err)
	}
	run(ctx, t, c, "blocked", awaitGo)
	waitForFirstTask(ctx, t, c, "blocked")
	fmt.Println("ready")
	select {}
}
