package identity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity/sshtest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestSignedRelease releases through signed requests only: the CLI signs
// through a real ssh-agent (and once with a key file), the workflow
// verifies every request, refuses a request signed with another person's
// key (exit 3), an unsigned signal such as the Temporal UI sends and a
// replayed statement, and the exported approvals verify with ssh-keygen.
func TestSignedRelease(t *testing.T) {
	sshtest.Require(t)
	keys := t.TempDir()
	people := map[string]sshtest.Key{}
	for _, who := range []string{"rita", "quinn", "sam"} {
		people[who] = sshtest.NewKey(t, keys, who)
	}
	// The agent holds rita's and quinn's keys; sam signs with a key file.
	sshtest.StartAgent(t, keys, people["rita"], people["quinn"])

	repo, remote, _ := e2e.ExampleRepo(t, nil)
	pipeline := strings.Replace(e2e.ShopPipeline(remote, "api"), "auth: claimed\n", "auth: signed\n", 1) + fmt.Sprintf(`environments:
  stage:
    signoffs: [{role: qa}]
  prod:
    window: always
    signoffs: [{role: sre}]
approvers:
  qa: [quinn]
  sre: [sam]
release:
  ship_delay: 0s
  managers: [rita]
oncall:
  people: [rita]
people:
  rita: {ssh_keys: [%q]}
  quinn: {ssh_keys: [%q]}
  sam: {ssh_keys: [%q]}
`, people["rita"].Public, people["quinn"].Public, people["sam"].Public)
	cfg := e2e.WritePipeline(t, pipeline)
	stk := e2e.NewStack(t)
	e2e.StartWorker(t, stk)
	addr := stk.Srv.Addr
	as := func(who string) []string { return []string{"--as", who, "--key", people[who].Path + ".pub"} }

	e2e.MustCLI(t, addr, append([]string{"release", "start", "v1.1.0", "--config", cfg}, as("rita")...)...)
	e2e.WaitForStage(t, addr, "v1.1.0", workflows.StageQASignoff, 5*time.Minute)

	// The Temporal UI sends a signal with no signature: refused, and the
	// refusal is in the status.
	c, err := client.Dial(client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := workflows.ReleaseID("shop", "v1.1.0")
	if err := c.SignalWorkflow(context.Background(), id, "", contract.Signoff, workflows.SignoffRequest{Env: "stage", Person: "quinn", Verdict: workflows.Green, Via: "ui"}); err != nil {
		t.Fatal(err)
	}
	e2e.Eventually(t, time.Minute, "the unsigned signal is refused in the status", func() (bool, string) {
		e2e.SaveHistory(t, addr, workflows.ReleaseID("shop", "v1.1.0"), "release-signed")
		out := e2e.MustCLI(t, addr, "status", "v1.1.0", "--product", "shop")
		return strings.Contains(out, "refused signoff from quinn: signoff refused for quinn: the request is not signed"), out
	})

	// quinn's name with sam's key: refused at once, exit 3.
	r := e2e.CLI(t, addr, "signoff", "v1.1.0", "--verdict", "green", "--product", "shop", "--as", "quinn", "--key", people["sam"].Path)
	if r.Code != 3 || !strings.Contains(r.Stderr, "signed with sam's key") {
		t.Fatalf("quinn's signoff signed by sam: exit %d (%s), want 3 and why", r.Code, r.Stderr)
	}
	e2e.MustCLI(t, addr, append([]string{"signoff", "v1.1.0", "--verdict", "green", "--product", "shop"}, as("quinn")...)...)

	// The accepted signoff's own signed request, sent again: refused.
	st, err := e2e.Status(t, addr, "v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Signoffs) != 1 || st.Signoffs[0].Auth == nil {
		t.Fatalf("signoffs %+v: want quinn's, signed", st.Signoffs)
	}
	replay := workflows.SignoffRequest{Env: "stage", Person: "quinn", Verdict: workflows.Green, Via: "cli", Auth: st.Signoffs[0].Auth.Proof}
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: contract.Signoff, Args: []any{replay}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(context.Background(), nil)
	}
	if err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("a replayed signed signoff: %v, want refused as already used", err)
	}

	e2e.WaitForStage(t, addr, "v1.1.0", workflows.StageApproval, 5*time.Minute)
	// sam's name with quinn's key: refused, exit 3.
	r = e2e.CLI(t, addr, "approve", "v1.1.0", "--env", "prod", "--product", "shop", "--as", "sam", "--key", people["quinn"].Path+".pub")
	if r.Code != 3 || !strings.Contains(r.Stderr, "signed with quinn's key") {
		t.Fatalf("sam's approval signed by quinn: exit %d (%s), want 3 and why", r.Code, r.Stderr)
	}
	// sam signs with a key file, not the agent.
	e2e.MustCLI(t, addr, "approve", "v1.1.0", "--env", "prod", "--product", "shop", "--as", "sam", "--key", people["sam"].Path)
	st = e2e.WaitFinished(t, stk, "v1.1.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0: %s: %s", st.State, st.Error)
	}
	out := e2e.MustCLI(t, addr, "status", "v1.1.0", "--product", "shop")
	for who, k := range map[string]sshtest.Key{"quinn": people["quinn"], "sam": people["sam"]} {
		if want := "by " + who; !strings.Contains(out, want) || !strings.Contains(out, sshtest.Fingerprint(t, k)) {
			t.Errorf("status does not show %s's signoff with the key %s:\n%s", who, sshtest.Fingerprint(t, k), out)
		}
	}

	// Permissions: a developer may neither freeze nor roll back; the
	// on-call (rita, this pipeline's fixed list) may roll back.
	r = e2e.CLI(t, addr, append([]string{"freeze", "shop", "--reason", "looks risky", "-c", cfg}, as("quinn")...)...)
	if r.Code != 3 || !strings.Contains(r.Stderr, "quinn may not freeze shop: permissions.freeze allows") {
		t.Errorf("a developer's freeze: exit %d (%s), want 3 and who may", r.Code, r.Stderr)
	}
	r = e2e.CLI(t, addr, append([]string{"rollback", "shop", "--env", "prod", "--reason", "looks risky", "-c", cfg}, as("quinn")...)...)
	if r.Code != 3 || !strings.Contains(r.Stderr, "quinn may not rollback shop: permissions.rollback allows sre (sam), oncall (rita)") {
		t.Errorf("a developer's rollback: exit %d (%s), want 3 and who may", r.Code, r.Stderr)
	}
	repo.WriteCommit(t, "feat: v1.2.0", map[string]string{"CHANGELOG": "v1.2.0\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	e2e.MustCLI(t, addr, append([]string{"release", "start", "v1.2.0", "--config", cfg}, as("rita")...)...)
	e2e.WaitForStage(t, addr, "v1.2.0", workflows.StageQASignoff, 5*time.Minute)
	e2e.MustCLI(t, addr, append([]string{"signoff", "v1.2.0", "--verdict", "green", "--product", "shop"}, as("quinn")...)...)
	e2e.WaitForStage(t, addr, "v1.2.0", workflows.StageApproval, 5*time.Minute)
	e2e.MustCLI(t, addr, "approve", "v1.2.0", "--env", "prod", "--product", "shop", "--as", "sam", "--key", people["sam"].Path)
	if st := e2e.WaitFinished(t, stk, "v1.2.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.2.0: %s: %s", st.State, st.Error)
	}
	e2e.MustCLI(t, addr, append([]string{"rollback", "shop", "--env", "prod", "--reason", "checkout errors", "-c", cfg}, as("rita")...)...)
	e2e.SaveHistory(t, addr, workflows.RollbackID("shop", "prod"), "rollback-signed")
	if got := e2e.Serving(t, stk, "prod", "api"); got != "api v1.1.0" {
		t.Errorf("after the on-call's rollback prod api serves %q, want v1.1.0", got)
	}

	// No private key, nor anything of the agent's, is in any history.
	for _, k := range people {
		b, err := os.ReadFile(k.Path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		e2e.NoSecret(t, addr, lines[len(lines)/2], workflows.ReleaseID("shop", "v1.1.0"), workflows.ReleaseID("shop", "v1.2.0"))
	}
	e2e.NoSecret(t, addr, os.Getenv("SSH_AUTH_SOCK"), workflows.ReleaseID("shop", "v1.1.0"))

	// Every approval verifies with ssh-keygen, without Signalman.
	dir := filepath.Join(t.TempDir(), "audit")
	e2e.MustCLI(t, addr, "audit", "v1.1.0", "--product", "shop", "--export", dir)
	files, err := filepath.Glob(filepath.Join(dir, "*.sig"))
	if err != nil || len(files) != 3 {
		t.Fatalf("exported %v (%v), want three signatures: the start, the QA signoff and the SRE approval", files, err)
	}
	for _, sig := range files {
		stmt := strings.TrimSuffix(sig, ".sig")
		person := stmt[strings.LastIndex(stmt, "-")+1:]
		msg, err := os.ReadFile(stmt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(sig)
		if err != nil {
			t.Fatal(err)
		}
		sshtest.KeygenVerify(t, filepath.Join(dir, "allowed_signers"), person, msg, string(b))
	}
}
