package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/identity/sshtest"
	"github.com/signalman/signalman/internal/notify/notifytest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestSlackBridge: with auth: signed, a Slack press (Slack's own signature
// checked by slack-go's verifier) is signed by the worker's Slack bridge
// for the person the pipeline maps the Slack user to, and the release
// takes it as that person's; a press by a user the pipeline does not map
// signs nothing off.
func TestSlackBridge(t *testing.T) {
	sshtest.Require(t)
	keys := t.TempDir()
	rita, bridge := sshtest.NewKey(t, keys, "rita"), sshtest.NewKey(t, keys, "bridge")
	fake := notifytest.New(t)
	respond := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer respond.Close()

	_, remote, _ := e2e.ExampleRepo(t, nil)
	cfg := e2e.WritePipeline(t, strings.Replace(e2e.ShopPipeline(remote, "api"), "auth: claimed\n", "auth: signed\n", 1)+fmt.Sprintf(`environments:
  stage:
    signoffs: [{role: qa}]
  prod: {window: always}
approvers:
  qa: [quinn]
release: {ship_delay: 0s}
people:
  rita: {ssh_keys: [%q]}
notifications:
  slack:
    channel: "#releases"
    users: {U0QUINN: quinn}
    bridge_key: %q
`, rita.Public, bridge.Public))
	stk := e2e.NewStack(t)
	metrics := e2e.FreePort(t)
	stk.WorkerArgs = []string{"--metrics", metrics, "--slack-api", fake.URL()}
	stk.WorkerEnv = []string{"SLACK_BOT_TOKEN=" + slackToken, "SLACK_SIGNING_SECRET=" + slackSecret, "SLACK_BRIDGE_KEY=" + bridge.Path}
	e2e.StartWorker(t, stk)
	endpoint := "http://" + metrics + "/slack/interactions"

	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.8.0", "--config", cfg, "--as", "rita", "--key", rita.Path)
	e2e.WaitForStage(t, stk.Srv.Addr, "v1.8.0", workflows.StageQASignoff, 3*time.Minute)
	var qa string
	e2e.Eventually(t, 30*time.Second, "QA button posted", func() (bool, string) {
		for _, v := range fake.Buttons() {
			if strings.Contains(v, `"env":"stage"`) {
				qa = v
			}
		}
		return qa != "", fmt.Sprint(fake.Buttons())
	})
	body, h := press("U0EVE", qa, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Errorf("press by an unmapped user: status %d", code)
	}
	body, h = press("U0QUINN", qa, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by quinn: status %d", code)
	}
	st := e2e.WaitFinished(t, stk, "v1.8.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("release %s: %s", st.State, st.Error)
	}
	if len(st.Signoffs) != 1 || st.Signoffs[0].Person != "quinn" || st.Signoffs[0].Auth == nil || st.Signoffs[0].Auth.Bridge != "slack" ||
		st.Signoffs[0].Auth.Key != sshtest.Fingerprint(t, bridge) {
		t.Errorf("signoffs %+v, want quinn's alone, signed by the Slack bridge's key", st.Signoffs)
	}
}
