//go:build unix

package router

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// routerCommand returns the command that runs this test binary as a router.
func routerCommand(t *testing.T) []string {
	t.Helper()
	t.Setenv(childEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe}
}

func TestEnsureStartsADetachedRouterAndFindsItAgain(t *testing.T) {
	command := routerCommand(t)
	dir := filepath.Join(t.TempDir(), "shop-prod-api")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	c, info, err := Ensure(ctx, dir, command)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	t.Cleanup(func() { Stop(dir) })
	if info.PID == os.Getpid() {
		t.Fatal("the router runs in the test process, want a process of its own")
	}
	if sid, ok := session(info.PID); ok && sid != info.PID {
		t.Errorf("router pid %d is in session %d, want a session of its own", info.PID, sid)
	}
	want, err := c.SetState(ctx, State{Stable: pool("v1", newBackend(t, "s"))})
	if err != nil {
		t.Fatal(err)
	}
	if res, body := get(t, newHTTPClient(t), "http://"+info.Listen+"/"); res.StatusCode != http.StatusOK || body != "s" {
		t.Errorf("traffic through the router: %d %q, want 200 s", res.StatusCode, body)
	}

	if _, again, err := Ensure(ctx, dir, command); err != nil || again != info {
		t.Errorf("second Ensure: %+v %v, want the running router %+v", again, err, info)
	}
	if _, opened, err := Open(dir); err != nil || opened != info {
		t.Errorf("Open: %+v %v, want %+v", opened, err, info)
	}

	if err := Stop(dir); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, _, err := Open(dir); err == nil {
		t.Error("Open found a router after Stop")
	}
	waitGone(t, info.PID)
	if log, _ := os.ReadFile(filepath.Join(dir, logFile)); !strings.Contains(string(log), "router stopped") {
		t.Errorf("router.log does not record a clean stop:\n%s", log)
	}

	c, restarted, err := Ensure(ctx, dir, command)
	if err != nil {
		t.Fatalf("Ensure after Stop: %v", err)
	}
	if restarted.PID == info.PID || restarted.Listen != info.Listen {
		t.Errorf("restarted router %+v, want a new process on the old listen address %s", restarted, info.Listen)
	}
	if got, err := c.State(ctx); err != nil || got.Generation != want.Generation || got.Stable.Version != "v1" {
		t.Errorf("state after restart: %+v %v, want %+v", got, err, want)
	}
	if err := Stop(dir); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if err := Stop(dir); err != nil {
		t.Errorf("Stop with no router running: %v, want nil", err)
	}
}

// session returns the session id of pid from /proc, where there is one.
func session(pid int) (int, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// After "pid (comm)": state, ppid, pgrp, session.
	_, rest, _ := strings.Cut(string(data), ") ")
	fields := strings.Fields(rest)
	if len(fields) < 4 {
		return 0, false
	}
	sid, err := strconv.Atoi(fields[3])
	return sid, err == nil
}

// waitGone waits for pid to be gone (and reaped).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
	}
	t.Errorf("router pid %d still exists after Stop", pid)
}

func TestEnsureReportsARouterThatCannotStart(t *testing.T) {
	command := append(routerCommand(t), "--bogus")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, _, err := Ensure(ctx, t.TempDir(), command)
	if err == nil || !strings.Contains(err.Error(), "flag provided but not defined: -bogus") {
		t.Errorf("Ensure: %v, want the router's own complaint from its log", err)
	}
	if d := time.Since(start); d > startTimeout/2 {
		t.Errorf("Ensure took %s to report a router that exited at once", d)
	}
}
