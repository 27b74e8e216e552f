//go:build linux

package deploy

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// stopAllAtEnd stops whatever p still runs for the test service when the
// test ends, so that a failing test leaves no process behind.
func stopAllAtEnd(t *testing.T, p *Process) {
	t.Cleanup(func() {
		ins, err := p.Running(context.Background(), "shop", "stage", "api")
		if err != nil {
			t.Error(err)
		}
		if err := p.Stop(context.Background(), ins); err != nil {
			t.Error(err)
		}
	})
}

// waitGone waits until no process has pid, which the reaper goroutine of
// this test process (or init) makes so shortly after the process ends.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := readProcStat(pid)
		if err != nil || st.State == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d still runs (state %c)", pid, st.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ids(ins []Instance) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}

func TestProcessLifecycle(t *testing.T) {
	ctx := context.Background()
	reg := newTestRegistry(t)
	ref := serviceImage(t, reg, "serve")
	p := &Process{Dir: t.TempDir()}
	stopAllAtEnd(t, p)

	spec := testSpec(ref, "v1.101.0/stable", 2)
	started, err := p.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(started) != 2 {
		t.Fatalf("Start returned %d instances, want 2", len(started))
	}
	if started[0].Addr == started[1].Addr || started[0].PID == started[1].PID || started[0].ID == started[1].ID {
		t.Fatalf("instances share an address, pid or id: %+v", started)
	}
	ours, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	digest := ref[strings.LastIndex(ref, "@")+1:]
	rootfs := filepath.Join(p.Dir, "images", strings.TrimPrefix(digest, "sha256:"), "rootfs")
	for _, in := range started {
		if in.Digest != digest || in.Deployment != spec.Deployment || in.Version != "v1.101.0" {
			t.Errorf("instance %s: digest %s, deployment %q, version %q", in.ID, in.Digest, in.Deployment, in.Version)
		}
		v := getVersion(t, in.Addr)
		if v.PID != in.PID {
			t.Errorf("%s is answered by pid %d, the instance is pid %d", in.Addr, v.PID, in.PID)
		}
		if want := strings.TrimPrefix(in.Addr, "http://127.0.0.1:"); v.Host != "127.0.0.1" || v.Port != want {
			t.Errorf("instance listens on %s:%s, want 127.0.0.1:%s (PORT from the spec must not win)", v.Host, v.Port, want)
		}
		if v.Version != "v1.101.0" || v.ImageVar != "from-image" {
			t.Errorf("environment: VERSION=%q IMAGE_VAR=%q, want the spec's and the image's", v.Version, v.ImageVar)
		}
		if v.WD != rootfs {
			t.Errorf("working directory %s, want the image's root %s", v.WD, rootfs)
		}
		// The instance leads a session of its own: the worker's end, or a
		// signal to the worker's group, does not reach it.
		st, err := readProcStat(in.PID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Session != in.PID || st.Session == ours.Session {
			t.Errorf("instance %d is in session %d, want its own (ours is %d)", in.PID, st.Session, ours.Session)
		}
	}
	pulls := reg.manifestGets.Load()

	again, err := p.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again, started) {
		t.Errorf("a second Start of the same deployment returned\n%+v\nwant the running ones\n%+v", again, started)
	}

	// A new Process on the same directory is a restarted worker.
	restarted := &Process{Dir: p.Dir}
	running, err := restarted.Running(ctx, "shop", "stage", "api")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(running), ids(started)) {
		t.Errorf("a restarted worker finds %v, want %v", ids(running), ids(started))
	}
	canary, err := restarted.Start(ctx, testSpec(ref, "v1.101.0/canary", 1))
	if err != nil {
		t.Fatal(err)
	}
	if n := reg.manifestGets.Load(); n != pulls {
		t.Errorf("the image was fetched again (%d manifest requests, then %d): it must be unpacked once", pulls, n)
	}

	if err := restarted.Stop(ctx, started); err != nil {
		t.Fatal(err)
	}
	for _, in := range started {
		waitGone(t, in.PID)
		if _, err := os.Stat(filepath.Join(p.serviceDir("shop", "stage", "api"), in.ID+".json")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("record of stopped instance %s: %v, want it removed", in.ID, err)
		}
	}
	running, err = p.Running(ctx, "shop", "stage", "api")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(running), ids(canary)) {
		t.Errorf("after Stop, Running = %v, want only the canary %v", ids(running), ids(canary))
	}

	// Starting the deployment again gives instances with the same ids;
	// stopping the old ones again must leave them alone.
	replaced, err := p.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctx, started); err != nil {
		t.Errorf("stopping instances already stopped: %v", err)
	}
	running, err = p.Running(ctx, "shop", "stage", "api")
	if err != nil {
		t.Fatal(err)
	}
	if want := append(ids(canary), ids(replaced)...); len(running) != 3 || !slices.Equal(ids(running), want) {
		t.Errorf("stopping stopped instances again stopped their replacements: Running = %v, want %v", ids(running), want)
	}
}

// TestHelperStartInstance is not a test: TestProcessOutlivesWorker runs the
// test binary with it as a worker that starts an instance and exits.
func TestHelperStartInstance(t *testing.T) {
	dir, image := os.Getenv("DEPLOY_HELPER_DIR"), os.Getenv("DEPLOY_HELPER_IMAGE")
	if dir == "" {
		t.Skip("run by TestProcessOutlivesWorker")
	}
	ins, err := (&Process{Dir: dir}).Start(context.Background(), testSpec(image, "v1.101.0/stable", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(ins); err != nil {
		t.Fatal(err)
	}
}

func TestProcessOutlivesWorker(t *testing.T) {
	ctx := context.Background()
	reg := newTestRegistry(t)
	ref := serviceImage(t, reg, "serve")
	p := &Process{Dir: t.TempDir()}
	stopAllAtEnd(t, p)

	worker := exec.Command(os.Args[0], "-test.run=^TestHelperStartInstance$")
	worker.Env = append(os.Environ(), "DEPLOY_HELPER_DIR="+p.Dir, "DEPLOY_HELPER_IMAGE="+ref)
	out, err := worker.Output()
	if err != nil {
		t.Fatalf("worker: %v\n%s", err, out)
	}
	var started []Instance
	if err := json.NewDecoder(strings.NewReader(string(out))).Decode(&started); err != nil || len(started) != 1 {
		t.Fatalf("worker printed %q: %v", out, err)
	}

	running, err := p.Running(ctx, "shop", "stage", "api")
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 1 || running[0].PID != started[0].PID {
		t.Fatalf("after the worker exited, Running = %+v, want %+v", running, started)
	}
	resp, err := http.Get(running[0].Addr + "/healthz")
	if err != nil {
		t.Fatalf("the instance no longer answers after its worker exited: %v", err)
	}
	resp.Body.Close()
	if err := p.Stop(ctx, running); err != nil {
		t.Fatal(err)
	}
	waitGone(t, running[0].PID)
}

func TestProcessStartFailure(t *testing.T) {
	reg := newTestRegistry(t)
	tests := []struct {
		name, mode          string
		timeout             time.Duration
		wantReason, wantLog string
	}{
		{"exits_at_once_with_its_output", "crash", 20 * time.Second, "exit status 3", "boom: DATABASE_URL is not set"},
		{"never_healthy_times_out_with_the_last_status", "sick", time.Second, "503 Service Unavailable", "listening on 127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			p := &Process{Dir: t.TempDir()}
			stopAllAtEnd(t, p)
			spec := testSpec(serviceImage(t, reg, tt.mode), "v1.101.0/stable", 2)
			spec.HealthTimeout = tt.timeout

			_, err := p.Start(ctx, spec)
			t.Log(err)
			var unhealthy *UnhealthyError
			if !errors.As(err, &unhealthy) {
				t.Fatalf("Start: %v, want an *UnhealthyError", err)
			}
			if !strings.Contains(unhealthy.Reason, tt.wantReason) {
				t.Errorf("reason %q does not say %q", unhealthy.Reason, tt.wantReason)
			}
			if !slices.ContainsFunc(unhealthy.LogTail, func(l string) bool { return strings.Contains(l, tt.wantLog) }) {
				t.Errorf("log tail %q has no line with %q", unhealthy.LogTail, tt.wantLog)
			}
			if !strings.Contains(err.Error(), tt.wantLog) {
				t.Errorf("the error does not show the output:\n%v", err)
			}
			waitGone(t, unhealthy.Instance.PID)
			running, err := p.Running(ctx, "shop", "stage", "api")
			if err != nil || len(running) != 0 {
				t.Errorf("after a failed Start, Running = %v, %v; want nothing", running, err)
			}
			records, _ := filepath.Glob(filepath.Join(p.serviceDir("shop", "stage", "api"), "*.json"))
			if len(records) != 0 {
				t.Errorf("records left behind: %v", records)
			}
		})
	}
}

func TestProcessStopKillsAfterGrace(t *testing.T) {
	ctx := context.Background()
	reg := newTestRegistry(t)
	p := &Process{Dir: t.TempDir(), Grace: 300 * time.Millisecond}
	stopAllAtEnd(t, p)
	ins, err := p.Start(ctx, testSpec(serviceImage(t, reg, "stubborn"), "v1.101.0/stable", 1))
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	if err := p.Stop(ctx, ins); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < p.Grace {
		t.Errorf("Stop took %s: it did not wait the grace period for an instance ignoring SIGTERM", d)
	}
	waitGone(t, ins[0].PID)
}

func TestProcessRunningForgetsEndedAndReusedPIDs(t *testing.T) {
	ctx := context.Background()
	p := &Process{Dir: t.TempDir()}
	dir := p.serviceDir("shop", "stage", "api")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	ours, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	records := []processRecord{
		// A process that ended.
		{Instance: Instance{ID: "api-a-0", PID: ended.Process.Pid}, StartTicks: 1},
		// A live process (this test) that has the recorded PID but started
		// at another time: the PID was reused.
		{Instance: Instance{ID: "api-b-0", PID: os.Getpid()}, StartTicks: ours.StartTicks + 1},
	}
	for _, rec := range records {
		rec.Product, rec.Env, rec.Service, rec.Deployment = "shop", "stage", "api", "v1"
		if err := writeRecord(filepath.Join(dir, rec.ID+".json"), rec); err != nil {
			t.Fatal(err)
		}
		// Stop must not signal a PID its record no longer names.
		if err := p.Stop(ctx, []Instance{rec.Instance}); err != nil {
			t.Fatal(err)
		}
		if err := writeRecord(filepath.Join(dir, rec.ID+".json"), rec); err != nil {
			t.Fatal(err)
		}
	}
	running, err := p.Running(ctx, "shop", "stage", "api")
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 0 {
		t.Errorf("Running = %+v, want nothing", running)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(left) != 0 {
		t.Errorf("stale records kept: %v", left)
	}
}

func TestProcessRefuses(t *testing.T) {
	reg := newTestRegistry(t)
	bin := testServiceBinary(t)
	app := []tarEntry{{Name: "app/", Type: tar.TypeDir}, {Name: "app/testsvc", Body: string(bin), Mode: 0o755}}
	entry := imageConfig{Entrypoint: []string{"/app/testsvc"}}
	push := func(t *testing.T, cfg imageConfig, layers ...[]tarEntry) string {
		var ls []v1.Layer
		for _, l := range layers {
			ls = append(ls, testLayer(t, l))
		}
		return pushImage(t, reg, "shop/api", cfg, ls...)
	}
	tests := []struct {
		name    string
		image   func(t *testing.T) string
		wantErr error
	}{
		{"reference_by_tag", func(*testing.T) string { return reg.Host + "/shop/api:latest" }, ErrInvalidSpec},
		{"layer_path_climbing_out", func(t *testing.T) string {
			return push(t, entry, app, []tarEntry{{Name: "app/../../escape", Body: "x"}})
		}, ErrBadImage},
		{"symbolic_link_leaving_the_root", func(t *testing.T) string {
			return push(t, entry, app, []tarEntry{{Name: "app/etc", Type: tar.TypeSymlink, Linkname: "../../etc"}})
		}, ErrBadImage},
		{"image_for_another_architecture", func(t *testing.T) string {
			return push(t, imageConfig{Entrypoint: entry.Entrypoint, Arch: "s390x"}, app)
		}, ErrBadImage},
		{"no_entrypoint", func(t *testing.T) string { return push(t, imageConfig{}, app) }, ErrBadImage},
		{"entrypoint_missing", func(t *testing.T) string {
			return push(t, imageConfig{Entrypoint: []string{"/app/nothere"}}, app)
		}, ErrBadImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Process{Dir: t.TempDir()}
			stopAllAtEnd(t, p)
			_, err := p.Start(context.Background(), testSpec(tt.image(t), "v1.101.0/stable", 1))
			t.Log(err)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Start: %v, want %v", err, tt.wantErr)
			}
			filepath.WalkDir(p.Dir, func(path string, d fs.DirEntry, err error) error {
				if err == nil && d.Name() == "escape" {
					t.Errorf("a layer wrote outside the image's root: %s", path)
				}
				return nil
			})
			partial, _ := filepath.Glob(filepath.Join(p.Dir, "images", "*.partial"))
			if len(partial) != 0 {
				t.Errorf("half-unpacked trees left behind: %v", partial)
			}
		})
	}
}

func TestProcessRelativeDir(t *testing.T) {
	ctx := context.Background()
	reg := newTestRegistry(t)
	ref := serviceImage(t, reg, "serve")
	t.Chdir(t.TempDir())
	p := &Process{Dir: "data"}
	stopAllAtEnd(t, p)
	ins, err := p.Start(ctx, testSpec(ref, "v1.101.0/stable", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(ctx, ins); err != nil {
		t.Fatal(err)
	}
}
