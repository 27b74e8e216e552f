package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/signalman/signalman/internal/pgtest"
	"github.com/signalman/signalman/internal/registry"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows"
)

// environments gives the example product QA and SRE gates and a canary.
const environments = `environments:
  stage:
    signoffs: [{role: qa}]
  prod:
    window: always
    bake: 0s
    canary:
      steps: [{weight: 50, pause: 6s}]
    signoffs: [{role: sre}]
approvers:
  qa: [quinn]
  sre: [sam]
release:
  ship_delay: 0s
`

// server is one Temporal server process of the cluster.
type server struct {
	addr, dir string
	proc      *e2e.Proc
}

func startServer(t *testing.T, db, addr, dir string) *server {
	t.Helper()
	s := &server{addr: addr, dir: dir}
	s.proc = e2e.StartProcess(t, []string{"--dev", "--db", db, "--roles", "none", "--address", addr, "--ui", "", "--metrics", "", "--data", dir}, nil)
	return s
}

// TestCluster releases the example product twice on a Temporal cluster of
// two server processes on one PostgreSQL, with a worker process per role
// (two orchestrators), each started with only its own secret. While the
// second release starts, one server process is killed with SIGKILL and
// replaced, and so is an orchestrator at the QA gate; once it is in production, the stage deployer
// is stopped and production is rolled back, which needs no stage deployer.
// Every release completes; every tag, image, signature and deploy happens
// once; no history holds the signing key's password, and only the signer's
// process had it.
func TestCluster(t *testing.T) {
	pg := pgtest.Start(t)
	db := pg.URL("temporal")
	addrA, addrB := e2e.FreePort(t), e2e.FreePort(t)
	a := startServer(t, db, addrA, t.TempDir())
	startServer(t, db, addrB, t.TempDir())

	reg, err := registry.Start(context.Background(), registry.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	keys := t.TempDir()
	priv, pub := filepath.Join(keys, "cosign.key"), filepath.Join(keys, "cosign.pub")
	if err := app.GenerateKeys(app.Keys{Private: priv, Public: pub}, []byte(e2e.KeyPassword)); err != nil {
		t.Fatal(err)
	}
	// The deployers share one data directory, the Stack's, so that the
	// helpers find the routers; every other role has its own.
	stk := &e2e.Stack{Srv: &e2e.Server{Addr: addrB}, Registry: reg, Keys: keys, Data: t.TempDir()}
	t.Cleanup(func() {
		if err := app.Cleanup(context.Background(), stk.Data); err != nil {
			t.Errorf("stop the instances and routers: %v", err)
		}
	})
	role := func(name, addr string, extra ...string) []string {
		data := stk.Data
		if !strings.HasPrefix(name, "deploy:") {
			data = filepath.Join(t.TempDir(), name)
		}
		return append([]string{"--roles", name, "--address", addr, "--metrics", "", "--data", data}, extra...)
	}
	procs := map[string]*e2e.Proc{
		"orchestrate-1": e2e.StartProcess(t, role("orchestrate", addrA), nil),
		"orchestrate-2": e2e.StartProcess(t, role("orchestrate", addrB), nil),
		"source":        e2e.StartProcess(t, role("source", addrA), nil),
		"build":         e2e.StartProcess(t, role("build", addrB, "--registry", reg.Host()), nil),
		"sign":          e2e.StartProcess(t, role("sign", addrA, "--signing-key", priv), []string{"COSIGN_PASSWORD=" + e2e.KeyPassword}),
		"deploy:stage":  e2e.StartProcess(t, role("deploy:stage", addrB, "--verify-key", pub), nil),
		"deploy:prod":   e2e.StartProcess(t, role("deploy:prod", addrA, "--verify-key", pub), nil),
		"notify":        e2e.StartProcess(t, role("notify", addrB), nil),
	}

	repo, remote, _ := e2e.ExampleRepo(t, nil)
	config := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "auth-server", "api")+environments)
	release := func(version string) {
		e2e.MustCLI(t, addrA, "release", "start", version, "--config", config, "--as", "rita")
		e2e.WaitForStage(t, addrB, version, workflows.StageQASignoff, 3*time.Minute)
		e2e.MustCLI(t, addrB, "signoff", version, "--product", "shop", "--verdict", "green", "--as", "quinn")
		e2e.WaitForStage(t, addrA, version, workflows.StageApproval, time.Minute)
		e2e.MustCLI(t, addrA, "approve", version, "--product", "shop", "--env", "prod", "--as", "sam")
	}
	release("v1.1.0")
	if st := e2e.WaitFinished(t, stk, "v1.1.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0 %s: %s", st.State, st.Error)
	}

	repo.WriteCommit(t, "feat: v1.2.0", map[string]string{"CHANGELOG": "v1.2.0\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	load := e2e.StartLoad(t, stk, "api", "/api/ping", 40)
	authLoad := e2e.StartLoad(t, stk, "auth-server", "/healthz", 40)
	e2e.MustCLI(t, addrA, "release", "start", "v1.2.0", "--config", config, "--as", "rita")
	// Server A dies as the release starts, and comes back on its address.
	time.Sleep(time.Second)
	a.proc.Kill()
	a = startServer(t, db, addrA, a.dir)
	e2e.WaitForStage(t, addrB, "v1.2.0", workflows.StageQASignoff, 3*time.Minute)
	// An orchestrator dies at the gate; the other carries on, and a new one joins.
	procs["orchestrate-1"].Kill()
	procs["orchestrate-1"] = e2e.StartProcess(t, role("orchestrate", addrA), nil)
	e2e.MustCLI(t, addrA, "signoff", "v1.2.0", "--product", "shop", "--verdict", "green", "--as", "quinn")
	e2e.WaitForStage(t, addrB, "v1.2.0", workflows.StageApproval, time.Minute)
	e2e.MustCLI(t, addrB, "approve", "v1.2.0", "--product", "shop", "--env", "prod", "--as", "sam")
	st := e2e.WaitFinished(t, stk, "v1.2.0")
	load.End()
	authLoad.End()
	if st.State != workflows.Succeeded {
		t.Fatalf("v1.2.0 %s: %s", st.State, st.Error)
	}
	for _, env := range []string{"stage", "prod"} {
		for _, svc := range []string{"auth-server", "api"} {
			if got := e2e.Serving(t, stk, env, svc); got != svc+" v1.2.0" {
				t.Errorf("%s %s serves %q, want v1.2.0", env, svc, got)
			}
			if n := len(e2e.Instances(t, stk, env, svc)); n != 1 {
				t.Errorf("%s %s has %d instances, want 1: a deploy ran twice", env, svc, n)
			}
		}
	}
	if n := len(st.Signoffs); n != 2 {
		t.Errorf("v1.2.0 has %d signoffs, want 2", n)
	}
	if got := strings.Fields(repo.Git(t, "ls-remote", "origin", "refs/tags/v1.2.0")); len(got) != 2 {
		t.Errorf("remote tags v1.2.0: %v", got)
	}
	e2e.CheckImages(t, stk, st, st.Commit)

	// The stage deployer is down; a production rollback needs none.
	procs["deploy:stage"].Kill()
	e2e.MustCLI(t, addrB, "rollback", "shop", "--env", "prod", "--reason", "cluster test", "-c", config, "--as", "sam")
	e2e.Eventually(t, 2*time.Minute, "prod rolled back to v1.1.0", func() (bool, string) {
		got := e2e.Serving(t, stk, "prod", "api")
		return got == "api v1.1.0", got
	})

	// No history holds the password; only the signer had it.
	assertNoSecret(t, addrA, e2e.KeyPassword)
	for name, p := range procs {
		env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.PID()), "environ"))
		if err != nil {
			continue // a process killed above
		}
		if has := strings.Contains(string(env), e2e.KeyPassword); has != (name == "sign") {
			t.Errorf("%s worker had the signing key's password in its environment: %v", name, has)
		}
	}
}

// assertNoSecret reads every workflow's history on the cluster and fails
// if secret appears in any event.
func assertNoSecret(t *testing.T, addr, secret string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids := 0
	list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range list.GetExecutions() {
		ids++
		events, err := e2e.History(ctx, c, w.GetExecution().GetWorkflowId(), w.GetExecution().GetRunId())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			data, _ := protojson.Marshal(e)
			if strings.Contains(string(data), secret) {
				t.Errorf("the password appears in event %d of %s", e.GetEventId(), w.GetExecution().GetWorkflowId())
			}
		}
	}
	if ids < 6 {
		t.Errorf("read %d histories, want at least the 2 releases and their deploys", ids)
	}
}
