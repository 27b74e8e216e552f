package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestRoles_release_through_one_process_per_role releases the example
// product with every role in a process of its own, each started with only
// its own secret: the signer alone has the signing key and its password,
// the deployers alone the public key, the builder alone the registry. The
// release reaches production, so every activity found its role's queue.
// With the deploy:prod worker stopped, a deploy to prod waits and status
// says that no deploy:prod worker polls; a new one finishes it.
func TestRoles_release_through_one_process_per_role(t *testing.T) {
	_, remote, _ := e2e.ExampleRepo(t, nil)
	config := pipelineFor(t, remote, "true")
	stk := e2e.NewStack(t)
	addr := stk.Srv.Addr
	common := []string{"--address", addr, "--metrics", ""}
	data := func(role string) []string { return []string{"--data", filepath.Join(stk.Data, role)} }
	priv, pub := filepath.Join(stk.Keys, "cosign.key"), filepath.Join(stk.Keys, "cosign.pub")
	// The deployers share the data directory the Stack cleans up after.
	deployArgs := func(env string) []string {
		return append([]string{"--roles", "deploy:" + env, "--verify-key", pub, "--data", stk.Data}, common...)
	}
	procs := map[string]*e2e.Proc{
		"orchestrate": e2e.StartProcess(t, append(append([]string{"--roles", "orchestrate"}, common...), data("orchestrate")...), nil),
		"source":      e2e.StartProcess(t, append(append([]string{"--roles", "source"}, common...), data("source")...), nil),
		"build":       e2e.StartProcess(t, append(append([]string{"--roles", "build", "--registry", stk.Registry.Host()}, common...), data("build")...), nil),
		"sign": e2e.StartProcess(t, append(append([]string{"--roles", "sign", "--signing-key", priv, "--verify-key", pub}, common...), data("sign")...),
			[]string{"COSIGN_PASSWORD=" + e2e.KeyPassword}),
		"deploy:stage": e2e.StartProcess(t, deployArgs("stage"), nil),
		"notify":       e2e.StartProcess(t, append(append([]string{"--roles", "notify"}, common...), data("notify")...), nil),
	}

	// The pipeline has no deploy window; the ETA skips the ship delay.
	e2e.MustCLI(t, addr, "release", "start", "v1.30.0", "--config", config, "--as", "alice", "--eta", time.Now().UTC().Format(time.RFC3339))
	e2e.WaitForStage(t, addr, "v1.30.0", workflows.StageQASignoff, 3*time.Minute)
	e2e.MustCLI(t, addr, "signoff", "v1.30.0", "--product", "shop", "--verdict", "green", "--as", "quinn")
	e2e.MustCLI(t, addr, "approve", "v1.30.0", "--product", "shop", "--env", "prod", "--as", "sam")

	// Nobody serves deploy:prod yet: the release waits at its prod deploy
	// and says why instead of failing.
	e2e.Eventually(t, 2*time.Minute, "status says no deploy:prod worker polls", func() (bool, string) {
		out := e2e.CLI(t, addr, "status", "v1.30.0", "--product", "shop").Stdout
		return strings.Contains(out, "no deploy:prod worker polls signalman-deploy-prod"), out
	})
	procs["deploy:prod"] = e2e.StartProcess(t, deployArgs("prod"), nil)
	st := e2e.WaitFinished(t, stk, "v1.30.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("release %s: %s", st.State, st.Error)
	}
	for _, env := range []string{"stage", "prod"} {
		if got := e2e.Serving(t, stk, env, "api"); got != "api v1.30.0" {
			t.Errorf("%s api serves %q, want v1.30.0", env, got)
		}
	}
	// Only the signer's process ever had the key's password in its environment.
	for role, p := range procs {
		env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.PID()), "environ"))
		if err != nil {
			t.Fatalf("environment of the %s worker: %v", role, err)
		}
		if has := strings.Contains(string(env), e2e.KeyPassword); has != (role == "sign") {
			t.Errorf("%s worker has the signing key's password in its environment: %v", role, has)
		}
	}
}

// TestBadInput_worker_roles starts workers whose roles cannot work: each
// exits 2 at once, naming what is missing, and polls nothing.
func TestBadInput_worker_roles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"sign_without_its_key", []string{"--roles", "sign"}, "--roles sign needs the signing key: pass --signing-key FILE"},
		{"deploy_for_an_environment_nobody_has", []string{"--roles", "deploy:qa"}, `no environment "qa" in --environments`},
		{"deploy_without_its_key", []string{"--roles", "deploy:prod"}, "--roles deploy:prod needs the public key prod trusts: pass --verify-key FILE"},
		{"build_without_a_registry", []string{"--roles", "build"}, "--roles build needs the registry images are pushed to"},
		{"no_such_role", []string{"--roles", "signer"}, `"signer" is not a role`},
		{"cache_of_nothing", []string{"--roles", "notify", "--max-cached-workflows", "0"}, "--max-cached-workflows 0: want at least 1"},
		{"secrets_dir_missing", []string{"--roles", "notify", "--secrets-dir", filepath.Join(dir, "no-such-dir")}, "--secrets-dir " + filepath.Join(dir, "no-such-dir") + ": not a directory the worker can read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e2e.RunWorker(t, append([]string{"--address", "127.0.0.1:1", "--data", dir, "--metrics", ""}, tc.args...), []string{"SIGNALMAN_REGISTRY="})
			if r.Code != 2 || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", r.Code, r.Stderr, tc.want)
			}
		})
	}
	t.Run("unreachable_database", func(t *testing.T) {
		r := e2e.RunWorker(t, []string{"--dev", "--db", "postgres://signalman:hunter2-db-password@127.0.0.1:1/temporal?sslmode=disable",
			"--address", e2e.FreePort(t), "--ui", "", "--metrics", "", "--roles", "none", "--data", dir}, nil)
		out := r.Stdout + r.Stderr
		if r.Code != 1 || !strings.Contains(out, "cannot reach PostgreSQL at 127.0.0.1:1") {
			t.Errorf("exit %d, output %q; want exit 1 naming the database's address", r.Code, e2e.LastLines(out, 5))
		}
		if strings.Contains(out, "hunter2-db-password") {
			t.Error("the worker printed the database password")
		}
	})
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("refused workers left %d entries in their data directory", len(entries))
	}
}
