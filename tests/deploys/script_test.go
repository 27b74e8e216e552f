package deploys

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// scriptPipeline is the example product on the script target, through the
// example's own scripts (examples/shop/deploy/script, the real Docker CLI),
// each call wrapped so the test can make one fail: a file busy-SERVICE-ENV
// in ctl makes the next deploy of it exit 75 (retry), refuse-VERSION-ENV-
// SERVICE makes it exit 3 (final), and hold-SERVICE-ENV-VERSION makes it
// wait after the containers started, leaving held-... behind. The api gets
// a log level per environment and the secrets named.
func scriptPipeline(t *testing.T, remote, ctl string, secrets ...string) string {
	t.Helper()
	scripts, err := filepath.Abs("../../examples/shop/deploy/script")
	if err != nil {
		t.Fatal(err)
	}
	deploy := fmt.Sprintf(`CTL=%[1]s
        key="$SIGNALMAN_SERVICE-$SIGNALMAN_ENV"
        if [ -f "$CTL/busy-$key" ]; then rm "$CTL/busy-$key"; echo "the engine is busy" >&2; exit 75; fi
        if [ -f "$CTL/refuse-$SIGNALMAN_VERSION-$key" ]; then echo "quota exceeded for $key" >&2; exit 3; fi
        out=$(%[2]s/deploy.sh) || exit $?
        if [ -f "$CTL/hold-$key-$SIGNALMAN_VERSION" ]; then rm "$CTL/hold-$key-$SIGNALMAN_VERSION"; touch "$CTL/held-$key-$SIGNALMAN_VERSION"; sleep 40; fi
        printf '%%s\n' "$out"`, ctl, scripts)
	env := fmt.Sprintf(`    target: script
    script:
      deploy: |
        %s
      retire: %[2]s/retire.sh
      status: %[2]s/status.sh
      weight: %[2]s/weight.sh
`, deploy, scripts)
	services := strings.Replace(e2e.ShopPipeline(remote, "auth-server", "api", "content-server"), "  - name: api\n",
		"  - name: api\n    env: {LOG_LEVEL: debug}\n    env_by_environment: {prod: {LOG_LEVEL: warn}}\n    secrets: ["+strings.Join(secrets, ", ")+"]\n", 1)
	return e2e.WritePipeline(t, services+"environments:\n  stage:\n"+env+`  prod:
    window: always
    bake: 6s
    canary:
      steps: [{weight: 20, pause: 4s}]
`+env+`release:
  ship_delay: 0s
`)
}

// containers lists the example scripts' containers of a service: name,
// version and ID of each, running or not.
func containers(t *testing.T, site, env, service string) []string {
	t.Helper()
	out, err := exec.Command("docker", "ps", "--all", "--filter", "label=dev.signalman.site="+site,
		"--filter", "label=dev.signalman.env="+env, "--filter", "label=dev.signalman.service="+service,
		"--format", `{{.Label "dev.signalman.version"}} {{.ID}} {{.State}}`).CombinedOutput()
	if err != nil {
		t.Fatalf("docker ps: %v: %s", err, out)
	}
	var list []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			list = append(list, line)
		}
	}
	return list
}

// TestDeploy_script_target releases the example product through stage
// and a prod canary on the script target, the example's scripts running
// real containers with the Docker CLI behind Signalman's routers and test
// route: a deploy that asks for a retry is retried, a worker killed during
// a deploy does not start the version twice, and a deploy that fails for
// good rolls the release back.
func TestDeploy_script_target(t *testing.T) {
	if !artifact.DockerAvailable(context.Background()) {
		if os.Getenv("SIGNALMAN_REQUIRE_DOCKER") != "" {
			t.Fatal("SIGNALMAN_REQUIRE_DOCKER is set but no Docker Engine answers")
		}
		t.Skip("no Docker Engine answers")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("a Docker Engine answers but the docker CLI the example scripts drive is not on PATH")
	}
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	ctl := t.TempDir()
	site := fmt.Sprintf("signalman-test-%d", time.Now().UnixNano())
	weights := filepath.Join(ctl, "weights")
	t.Cleanup(func() {
		out, _ := exec.Command("docker", "ps", "--all", "--quiet", "--filter", "label=dev.signalman.site="+site).Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			exec.Command("docker", append([]string{"rm", "--force"}, ids...)...).Run()
		}
	})
	config := scriptPipeline(t, remote, ctl, "DATABASE_URL")
	secrets := t.TempDir()
	const databaseURL = "postgres://shop:s3cr3t-db-password-41f7@db.internal/shop"
	if err := os.WriteFile(filepath.Join(secrets, "DATABASE_URL"), []byte(databaseURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stk := e2e.NewStack(t)
	stk.WorkerEnv = append(stk.WorkerEnv, "SITE="+site, "WEIGHT_LOG="+weights)
	stk.WorkerArgs = append(stk.WorkerArgs, "--secrets-dir", secrets)
	worker := e2e.StartWorker(t, stk)

	touch := func(name string) {
		if err := os.WriteFile(filepath.Join(ctl, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// v1.1.0: the first deploy of api on stage asks for a retry.
	touch("busy-api-stage")
	if st := e2e.Release(t, stk, config, "v1.1.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0 on the script target: %s: %s", st.State, st.Error)
	}
	if _, err := os.Stat(filepath.Join(ctl, "busy-api-stage")); err == nil {
		t.Error("the busy deploy of api on stage was never called")
	}
	if !strings.Contains(worker.Logs.String(), "asked for a retry (exit 75)") {
		t.Error("the worker's log does not show the deploy that asked for a retry")
	}
	for _, svc := range []string{"auth-server", "api", "content-server"} {
		if got := e2e.Serving(t, stk, "prod", svc); got != svc+" v1.1.0" {
			t.Errorf("prod %s serves %q on the script target", svc, got)
		}
		for _, env := range []string{"stage", "prod"} {
			if got := containers(t, site, env, svc); len(got) != 1 || !strings.HasPrefix(got[0], "v1.1.0 ") || !strings.HasSuffix(got[0], " running") {
				t.Errorf("%s on %s has containers %q, want one of v1.1.0 running", svc, env, got)
			}
		}
	}

	// The api got its configuration and its secret, in its containers
	// through the env file, and the secret is in no history and no log.
	for env, level := range map[string]string{"stage": "debug", "prod": "warn"} {
		if got, want := strings.TrimSpace(e2e.Get(t, stk, env, "api", "/api/config")), `{"database_url_set":true,"log_level":"`+level+`"}`; got != want {
			t.Errorf("api on %s: /api/config = %s, want %s", env, got, want)
		}
	}
	e2e.NoSecret(t, stk.Srv.Addr, databaseURL, workflows.ReleaseID("shop", "v1.1.0"),
		workflows.DeployID("shop", "v1.1.0", "stage", "api"), workflows.DeployID("shop", "v1.1.0", "prod", "api"))
	if strings.Contains(worker.Logs.String(), "s3cr3t-db-password") {
		t.Error("the secret is in the worker's log")
	}

	t.Run("a_missing_secret_fails_before_anything_starts", func(t *testing.T) {
		repo.WriteCommit(t, "feat: payments", map[string]string{"CHANGELOG": "v1.1.5\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		st := e2e.Release(t, stk, scriptPipeline(t, remote, ctl, "DATABASE_URL", "STRIPE_KEY"), "v1.1.5")
		if st.State != workflows.Failed || !strings.Contains(st.Error, "secret STRIPE_KEY missing on the deploy worker of stage: nothing was started") {
			t.Fatalf("v1.1.5 without STRIPE_KEY: %s: %q; want the missing secret named", st.State, st.Error)
		}
		for _, c := range containers(t, site, "stage", "api") {
			if strings.HasPrefix(c, "v1.1.5 ") {
				t.Errorf("a container of v1.1.5 was started without its secret: %s", c)
			}
		}
	})

	// Users: a canary with no traffic waits for a person.
	for _, l := range []struct{ svc, path string }{{"auth-server", "/healthz"}, {"api", "/api/products"}, {"content-server", "/"}} {
		users := e2e.StartLoad(t, stk, l.svc, l.path, 30)
		defer users.End()
	}

	top := t // the replacement worker must outlive the subtest that starts it
	t.Run("worker_killed_during_deploy_starts_nothing_twice", func(t *testing.T) {
		repo.WriteCommit(t, "feat: v1.2.0", map[string]string{"CHANGELOG": "v1.2.0\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		touch("hold-api-stage-v1.2.0")
		e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.2.0", "--config", config, "--as", "rita")
		e2e.Eventually(t, 3*time.Minute, "the deploy of api v1.2.0 on stage started its container", func() (bool, string) {
			_, err := os.Stat(filepath.Join(ctl, "held-api-stage-v1.2.0"))
			return err == nil, fmt.Sprint(err)
		})
		before := containers(t, site, "stage", "api")
		worker.Kill()
		worker = e2e.StartWorker(top, stk)
		st := e2e.WaitFinished(t, stk, "v1.2.0")
		if st.State != workflows.Succeeded {
			t.Fatalf("v1.2.0: %s: %s", st.State, st.Error)
		}
		of := func(cs []string) []string {
			var out []string
			for _, c := range cs {
				if strings.HasPrefix(c, "v1.2.0 ") {
					out = append(out, c)
				}
			}
			return out
		}
		started, after := of(before), of(containers(t, site, "stage", "api"))
		if len(started) != 1 || len(after) != 1 || after[0] != started[0] {
			t.Errorf("api on stage: containers %q when the worker was killed, %q after; want the one v1.2.0 container kept", before, after)
		}
		checkServes(t, stk, "v1.2.0", "auth-server", "api", "content-server")
		for _, svc := range []string{"auth-server", "api", "content-server"} {
			if got := containers(t, site, "prod", svc); len(got) != 1 || !strings.HasPrefix(got[0], "v1.2.0 ") {
				t.Errorf("after the bake %s on prod has containers %q, want v1.1.0 retired", svc, got)
			}
		}
		data, _ := os.ReadFile(weights)
		if !strings.Contains(string(data), "canary v1.2.0 at 20%, stable v1.1.0: api on prod") {
			t.Errorf("the weight command was told %q; want the canary of api at 20%%", data)
		}
	})

	t.Run("final_failure_rolls_the_release_back", func(t *testing.T) {
		repo.WriteCommit(t, "feat: v1.3.0", map[string]string{"CHANGELOG": "v1.3.0\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		touch("refuse-v1.3.0-api-prod")
		st := e2e.Release(t, stk, config, "v1.3.0")
		if st.State != workflows.Failed || !strings.Contains(st.Error, "exited 3") || !strings.Contains(st.Error, "quota exceeded for api-prod") {
			t.Fatalf("v1.3.0: %s: %q; want the deploy script's final failure and its stderr", st.State, st.Error)
		}
		checkServes(t, stk, "v1.2.0", "auth-server", "api", "content-server")
		for _, svc := range []string{"auth-server", "api"} {
			if got := containers(t, site, "prod", svc); len(got) != 1 || !strings.HasPrefix(got[0], "v1.2.0 ") {
				t.Errorf("after the rollback %s on prod has containers %q, want only v1.2.0", svc, got)
			}
		}
	})
}
