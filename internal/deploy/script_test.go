package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scriptDeploy is a deploy command of the script contract that runs the
// test service as local processes: one per instance ID, found again by its
// pid file when a retry asks for the same IDs, its environment read from
// SIGNALMAN_ENV_FILE.
const scriptDeploy = `#!/bin/sh
set -eu
echo "deploy $SIGNALMAN_PRODUCT/$SIGNALMAN_ENV/$SIGNALMAN_SERVICE $SIGNALMAN_VERSION $SIGNALMAN_DIGEST $SIGNALMAN_INSTANCE_IDS" >> "$STATE/calls"
set -- $PORTS
sep=""
printf '['
for id in $SIGNALMAN_INSTANCE_IDS; do
  port=$1; shift
  if [ -f "$STATE/$id.pid" ] && kill -0 "$(cat "$STATE/$id.pid")" 2>/dev/null; then
    port=$(cat "$STATE/$id.port")
  else
    (set -a; . "$SIGNALMAN_ENV_FILE"; set +a; HOST=127.0.0.1 PORT=$port exec "$BIN" "$MODE") > "$STATE/$id.log" 2>&1 &
    echo $! > "$STATE/$id.pid"
    echo $port > "$STATE/$id.port"
  fi
  printf '%s{"id":"%s","addr":"http://127.0.0.1:%s"}' "$sep" "$id" "$port"
  sep=","
done
printf ']\n'
echo "started $SIGNALMAN_INSTANCES instance(s) of $SIGNALMAN_IMAGE" >&2
`

// scriptRetire stops the instances named, whether or not they still run.
const scriptRetire = `#!/bin/sh
set -eu
for id in $SIGNALMAN_INSTANCE_IDS; do
  if [ -f "$STATE/$id.pid" ]; then
    kill "$(cat "$STATE/$id.pid")" 2>/dev/null || true
    rm -f "$STATE/$id.pid"
  fi
done
echo "retire $SIGNALMAN_VERSION $SIGNALMAN_INSTANCE_IDS" >> "$STATE/calls"
`

// scriptWeight records each traffic change it is told.
const scriptWeight = `#!/bin/sh
echo "weight $SIGNALMAN_WEIGHT stable=$SIGNALMAN_STABLE_VERSION canary=$SIGNALMAN_CANARY_VERSION" >> "$STATE/calls"
`

// scriptFixture is a script target over the test service, with its state
// directory (pid files and the calls log).
type scriptFixture struct {
	target *Script
	state  string
	image  string
}

func newScriptFixture(t *testing.T, mode string, instances int) *scriptFixture {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	bin := filepath.Join(dir, "testsvc")
	if err := os.Mkdir(state, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, testServiceBinary(t), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"deploy.sh": scriptDeploy, "retire.sh": scriptRetire, "weight.sh": scriptWeight} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var ports []string
	for range instances {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, fmt.Sprint(port))
	}
	vars := fmt.Sprintf("STATE=%s BIN=%s MODE=%s PORTS='%s' ", state, bin, mode, strings.Join(ports, " "))
	f := &scriptFixture{
		target: &Script{
			ScriptCommands: ScriptCommands{Deploy: vars + "./deploy.sh", Retire: vars + "./retire.sh", Weight: vars + "./weight.sh", Dir: dir, Timeout: time.Minute},
			Records:        filepath.Join(dir, "records"),
		},
		state: state,
		image: "127.0.0.1:5000/shop/api@sha256:" + strings.Repeat("ab", 32),
	}
	t.Cleanup(func() {
		running, _ := f.target.Running(context.Background(), "shop", "stage", "api")
		f.target.Stop(context.Background(), running)
	})
	return f
}

func (f *scriptFixture) calls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.state, "calls"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// TestScriptLifecycle drives the script contract end to end with real
// processes: deploy starts two healthy instances with the service's
// environment, a retried deploy finds them instead of starting more, the
// records answer Running without a status command, weight is told each
// traffic change, and retire stops them.
func TestScriptLifecycle(t *testing.T) {
	f := newScriptFixture(t, "serve", 2)
	var lines []string
	f.target.Output = func(l string) { lines = append(lines, l) }
	spec := testSpec(f.image, "v1.101.0", 2)
	ctx := context.Background()
	first, err := f.target.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 {
		t.Fatalf("Start returned %d instances, want 2", len(first))
	}
	for _, in := range first {
		v := getVersion(t, in.Addr)
		if v.Version != "v1.101.0" {
			t.Errorf("instance %s has VERSION %q from the env file, want v1.101.0", in.ID, v.Version)
		}
		if v.Port == "1" {
			t.Errorf("instance %s listens on the PORT of the service's env (1), not the platform's", in.ID)
		}
		if in.Digest != "sha256:"+strings.Repeat("ab", 32) || in.Version != "v1.101.0" {
			t.Errorf("instance %+v: want the spec's digest and version", in)
		}
	}
	if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], "started 2 instance(s) of "+f.image) {
		t.Errorf("Output got %q; want the deploy script's stderr", lines)
	}
	pid := getVersion(t, first[0].Addr).PID

	// A retry (the worker died after deploy started them) gets the same
	// IDs and the script finds its instances.
	again, err := f.target.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].ID != first[0].ID || getVersion(t, again[0].Addr).PID != pid {
		t.Errorf("a retried deploy started a new instance: %+v, want %+v (pid %d)", again[0], first[0], pid)
	}
	running, err := f.target.Running(ctx, "shop", "stage", "api")
	if err != nil || len(running) != 2 {
		t.Fatalf("Running = %d instances, %v; want the 2 deploy printed", len(running), err)
	}

	if err := f.target.FollowTraffic(ctx, Traffic{Product: "shop", Env: "stage", Service: "api", StableVersion: "v1.100.0", CanaryVersion: "v1.101.0", Weight: 20}); err != nil {
		t.Fatal(err)
	}
	if err := f.target.Stop(ctx, running); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.state, first[0].ID+".pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("retire left the pid file of %s", first[0].ID)
	}
	if r, _ := f.target.Running(ctx, "shop", "stage", "api"); len(r) != 0 {
		t.Errorf("after retire Running = %+v, want none", r)
	}
	calls := f.calls(t)
	want := []string{"deploy", "deploy", "weight 20 stable=v1.100.0 canary=v1.101.0", "retire v1.101.0"}
	if len(calls) != len(want) {
		t.Fatalf("calls %q, want %d: %q", calls, len(want), want)
	}
	for i, w := range want {
		if !strings.HasPrefix(calls[i], w) {
			t.Errorf("call %d = %q, want it to start with %q", i, calls[i], w)
		}
	}
}

// TestScriptFailures: the exit codes of the contract, a stdout that is not
// the contract's, an instance that never gets healthy, and a call that
// does not end.
func TestScriptFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, deploy string
		permanent    bool
		want         string
	}{
		{"retryable", "echo 'registry busy' >&2; exit 75", false, "deploy script of shop/stage/api asked for a retry (exit 75); stderr ends with:\n  registry busy"},
		{"permanent", "echo 'no such namespace: shop' >&2; exit 3", true, "deploy script of shop/stage/api exited 3; stderr ends with:\n  no such namespace: shop"},
		{"not_json", "echo started", true, "stdout is not a JSON array of instances"},
		{"bad_addr", `echo '[{"id":"a","addr":"10.0.0.7:8080"}]'`, true, `addr "10.0.0.7:8080" is not a base URL`},
		{"too_few", `echo '[]'`, true, "printed 0 instance(s), want 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Script{ScriptCommands: ScriptCommands{Deploy: tc.deploy, Retire: "true", Dir: t.TempDir()}}
			_, err := s.Start(ctx, testSpec("127.0.0.1:5000/shop/api@sha256:"+strings.Repeat("cd", 32), "v1.101.0", 1))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start: %v; want %q", err, tc.want)
			}
			if errors.Is(err, ErrScript) != tc.permanent {
				t.Errorf("Start: %v: permanent (ErrScript) = %v, want %v", err, !tc.permanent, tc.permanent)
			}
		})
	}

	t.Run("unhealthy_is_retired", func(t *testing.T) {
		f := newScriptFixture(t, "sick", 1)
		spec := testSpec(f.image, "v1.101.0", 1)
		spec.HealthTimeout = 2 * time.Second
		_, err := f.target.Start(ctx, spec)
		var unhealthy *UnhealthyError
		if !errors.As(err, &unhealthy) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("Start of a sick service: %v; want an UnhealthyError naming its 503", err)
		}
		if calls := f.calls(t); len(calls) != 2 || !strings.HasPrefix(calls[1], "retire v1.101.0") {
			t.Errorf("calls %q: want the sick deployment retired", calls)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		s := &Script{ScriptCommands: ScriptCommands{Deploy: "sleep 30 & wait", Retire: "true", Dir: t.TempDir(), Timeout: time.Second}}
		began := time.Now()
		_, err := s.Start(ctx, testSpec("127.0.0.1:5000/shop/api@sha256:"+strings.Repeat("cd", 32), "v1.101.0", 1))
		if err == nil || errors.Is(err, ErrScript) || !strings.Contains(err.Error(), "did not finish within 1s") {
			t.Fatalf("Start: %v; want a retryable timeout", err)
		}
		if d := time.Since(began); d > 15*time.Second {
			t.Errorf("a timed-out script held Start for %s: its children were not stopped", d)
		}
	})
}
