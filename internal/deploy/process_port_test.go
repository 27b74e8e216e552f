//go:build linux

package deploy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// holdPort listens on a port of 127.0.0.1 without speaking HTTP (it closes
// every connection at once) until the test ends, and returns the port.
func holdPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// portOf is the port of an address like http://127.0.0.1:41234.
func portOf(t *testing.T, addr string) int {
	t.Helper()
	u, err := net.ResolveTCPAddr("tcp", strings.TrimPrefix(addr, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Port
}

// instanceProcesses returns the processes running an executable under p.Dir:
// the instances p started, whether it still knows them or not.
func instanceProcesses(t *testing.T, p *Process) []int {
	t.Helper()
	dir, err := filepath.EvalSymlinks(p.Dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// A zombie has no executable: it has ended.
		if exe, err := os.Readlink("/proc/" + e.Name() + "/exe"); err == nil && strings.HasPrefix(exe, dir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestProcessStartRelaunchesWhenItsPortIsTaken(t *testing.T) {
	reg := newTestRegistry(t)
	ref := serviceImage(t, reg, "serve")
	tests := []struct {
		name string
		// take returns a port another process holds: the first one Start
		// is handed.
		take func(t *testing.T) int
	}{
		{"by_a_listener_that_does_not_speak_http", holdPort},
		{"by_another_server_answering_the_health_path", func(t *testing.T) int {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("ok, but not the instance\n"))
			}))
			t.Cleanup(srv.Close)
			return portOf(t, srv.URL)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			taken := tt.take(t)
			var calls atomic.Int64
			p := &Process{Dir: t.TempDir(), ports: func() (int, error) {
				if calls.Add(1) == 1 {
					return taken, nil
				}
				return freePort()
			}}
			stopAllAtEnd(t, p)

			ins, err := p.Start(ctx, testSpec(ref, "v1.101.0/stable", 1))
			if err != nil {
				t.Fatalf("Start: %v, want it to launch the instance again on another port", err)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("Start asked for %d ports, want 2: one taken, one free", n)
			}
			if len(ins) != 1 {
				t.Fatalf("Start returned %d instances, want 1", len(ins))
			}
			if port := portOf(t, ins[0].Addr); port == taken {
				t.Fatalf("Start returned %s, the port another process holds", ins[0].Addr)
			}
			if v := getVersion(t, ins[0].Addr); v.PID != ins[0].PID {
				t.Errorf("%s is answered by pid %d, the instance is pid %d", ins[0].Addr, v.PID, ins[0].PID)
			}
			if pids := instanceProcesses(t, p); !slices.Equal(pids, []int{ins[0].PID}) {
				t.Errorf("instance processes running: %v, want only the one returned (%d)", pids, ins[0].PID)
			}
			running, err := p.Running(ctx, "shop", "stage", "api")
			if err != nil || len(running) != 1 || running[0].PID != ins[0].PID || running[0].Addr != ins[0].Addr {
				t.Errorf("Running = %+v, %v; want the instance returned %+v", running, err, ins[0])
			}
		})
	}
}

func TestProcessStartGivesUpWhenEveryPortIsTaken(t *testing.T) {
	ctx := context.Background()
	reg := newTestRegistry(t)
	var calls atomic.Int64
	p := &Process{Dir: t.TempDir(), ports: func() (int, error) {
		calls.Add(1)
		return holdPort(t), nil
	}}
	stopAllAtEnd(t, p)

	_, err := p.Start(ctx, testSpec(serviceImage(t, reg, "serve"), "v1.101.0/stable", 1))
	t.Log(err)
	var unhealthy *UnhealthyError
	if !errors.As(err, &unhealthy) {
		t.Fatalf("Start: %v, want an *UnhealthyError", err)
	}
	if want := "was taken by another process"; !strings.Contains(unhealthy.Reason, want) {
		t.Errorf("reason %q does not say the port %s", unhealthy.Reason, want)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("Start asked for %d ports, want 3: one for each launch", n)
	}
	waitGone(t, unhealthy.Instance.PID)
	if pids := instanceProcesses(t, p); len(pids) != 0 {
		t.Errorf("instance processes left running: %v", pids)
	}
	running, err := p.Running(ctx, "shop", "stage", "api")
	if err != nil || len(running) != 0 {
		t.Errorf("after a failed Start, Running = %v, %v; want nothing", running, err)
	}
	if records, _ := filepath.Glob(filepath.Join(p.serviceDir("shop", "stage", "api"), "*.json")); len(records) != 0 {
		t.Errorf("records left behind: %v", records)
	}
}
