package tests

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/github/githubtest"
	"github.com/signalman/signalman/internal/notify/notifytest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

const (
	slackSecret = "slack-signing-secret-e2e-8c1d"
	slackToken  = "xoxb-e2e-bot-token-77aa"
)

// replies keeps what came back to the interactions' response_url.
type replies struct {
	mu     sync.Mutex
	bodies []string
}

// press builds Slack's signed interaction request for a press of a signoff button.
func press(user, value, responseURL, secret string, at time.Time) (body string, header http.Header) {
	return pressAction(user, "signoff", value, responseURL, secret, at)
}

// pressAction builds Slack's signed interaction request for a button press.
func pressAction(user, action, value, responseURL, secret string, at time.Time) (body string, header http.Header) {
	p, _ := json.Marshal(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user},
		"channel":      map[string]any{"id": "C0REL"},
		"container":    map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C0REL"},
		"response_url": responseURL,
		"actions":      []map[string]any{{"type": "button", "block_id": "actions", "action_id": action, "value": value}},
	})
	body = url.Values{"payload": {string(p)}}.Encode()
	stamp := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	header = http.Header{}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	header.Set("X-Slack-Request-Timestamp", stamp)
	header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return body, header
}

func send(t *testing.T, endpoint, body string, header http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// githubToken and registryPassword are secrets the worker holds during
// TestSlackApprovals; neither may reach a history or the worker's logs.
const (
	githubToken      = "ghp-e2e-token-3b9f0d"
	registryPassword = "registry-e2e-password-61c2"
)

// TestSlackApprovals runs a release whose QA and SRE gates are approved
// from Slack: the worker posts the gate with a button to a STATEFUL FAKE
// of the Slack Web API (notifytest; Slack itself cannot run here), and
// signed button presses reach the worker's endpoint. The fake loses its
// reply to the release's first post, which must still appear exactly
// once: the Notify activity's retry finds it by its key. Forged
// and replayed requests are refused and change nothing; the person who
// triggered the release is refused as on the CLI. The repository is also
// "on GitHub": a STATEFUL FAKE of the GitHub endpoints Signalman uses
// (githubtest; GitHub itself cannot run here) holds the tagged commit's CI
// checks, which the test stage waits for, and a merged pull request, which
// the notes link; the notes are published there as a release. The worker
// holds the signing key's password, Slack's token and signing secret, the
// GitHub token and a registry password throughout: none may appear in any
// workflow history or in the worker's logs.
func TestSlackApprovals(t *testing.T) {
	fake := notifytest.New(t)
	// Slack stores the release's first message but the worker never hears
	// back: the Notify activity's retry must find it, not post it again.
	fake.LoseReplies(1)
	rec := &replies{}
	respond := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, string(b))
		rec.mu.Unlock()
	}))
	defer respond.Close()

	repo, remote, _ := e2e.ExampleRepo(t, nil)
	fix := repo.WriteCommit(t, "fix: checkout rounding (#12)", map[string]string{"services/api/ROUNDING": "fixed\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	gh := githubtest.New(t, "acme", "shop")
	gh.SetToken(githubToken)
	gh.AddPull(githubtest.Pull{Number: 12, Title: "checkout rounding", Author: "ada", State: githubtest.Merged, MergeCommit: fix, Commits: []string{fix}})
	// CI is still running on the tagged commit when the release starts;
	// it passes a few seconds later.
	gh.SetCheckRun(fix, "ci/build", "in_progress", "")
	time.AfterFunc(3*time.Second, func() { gh.SetCheckRun(fix, "ci/build", "completed", "success") })
	dockerConfig := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("signalman:" + registryPassword))
	cfg := e2e.WritePipeline(t, fmt.Sprintf(`product: shop
repository:
  url: %s
  github: acme/shop
  github_api: %s
  github_token_env: SHOP_GITHUB_TOKEN
tests:
  github_checks: true
services:
  - name: api
    build: {package: ./services/api}
environments:
  stage:
    signoffs: [{role: qa}]
  prod:
    window: always
    bake: 0s
    signoffs: [{role: sre}]
    canary:
      steps: [{weight: 50, pause: 1s}]
auth: claimed
approvers:
  qa: [quinn, alice]
  sre: [sam]
release:
  ship_delay: 0s
notifications:
  slack:
    channel: "#releases"
    users: {U0QUINN: quinn, U0SAM: sam, U0ALICE: alice}
`, remote, gh.URL()))

	stk := e2e.NewStack(t)
	metrics := e2e.FreePort(t)
	stk.WorkerArgs = []string{"--metrics", metrics, "--slack-api", fake.URL()}
	stk.WorkerEnv = []string{"SLACK_BOT_TOKEN=" + slackToken, "SLACK_SIGNING_SECRET=" + slackSecret,
		"SHOP_GITHUB_TOKEN=" + githubToken, "DOCKER_CONFIG=" + dockerConfig}
	if err := os.WriteFile(filepath.Join(dockerConfig, "config.json"),
		[]byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, stk.Registry.Host(), auth)), 0o600); err != nil {
		t.Fatal(err)
	}
	worker := e2e.StartWorker(t, stk)
	endpoint := "http://" + metrics + "/slack/interactions"

	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.8.0", "--config", cfg, "--as", "alice")
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

	// Forged (another secret) and replayed (ten minutes old) presses.
	body, h := press("U0QUINN", qa, respond.URL, "not-the-secret", time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusUnauthorized {
		t.Errorf("forged press: status %d, want 401", code)
	}
	body, h = press("U0QUINN", qa, respond.URL, slackSecret, time.Now().Add(-10*time.Minute))
	if code := send(t, endpoint, body, h); code != http.StatusUnauthorized {
		t.Errorf("replayed press: status %d, want 401", code)
	}
	// The person who triggered the release, although a listed QA approver.
	body, h = press("U0ALICE", qa, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Errorf("press by alice: status %d", code)
	}
	if st, _ := e2e.Status(t, stk.Srv.Addr, "v1.8.0"); len(st.Signoffs) != 0 {
		t.Fatalf("a refused press signed off: %+v", st.Signoffs)
	}
	e2e.Eventually(t, 10*time.Second, "refusal shown to alice", func() (bool, string) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, r := range rec.bodies {
			if strings.Contains(r, "alice triggered this release") && strings.Contains(r, "ephemeral") {
				return true, ""
			}
		}
		return false, fmt.Sprint(rec.bodies)
	})

	body, h = press("U0QUINN", qa, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by quinn: status %d", code)
	}
	e2e.WaitForStage(t, stk.Srv.Addr, "v1.8.0", workflows.StageApproval, time.Minute)
	var sre string
	e2e.Eventually(t, 30*time.Second, "SRE button posted", func() (bool, string) {
		for _, v := range fake.Buttons() {
			if strings.Contains(v, `"env":"prod"`) {
				sre = v
			}
		}
		return sre != "", fmt.Sprint(fake.Buttons())
	})
	body, h = press("U0SAM", sre, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by sam: status %d", code)
	}
	st := e2e.WaitFinished(t, stk, "v1.8.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("release %s: %s", st.State, st.Error)
	}
	if len(st.Signoffs) != 2 || st.Signoffs[0].Via != "slack" || st.Signoffs[0].Person != "quinn" || st.Signoffs[1].Person != "sam" {
		t.Errorf("signoffs = %+v, want quinn then sam, via Slack", st.Signoffs)
	}
	posts := fake.Messages()
	threaded := len(posts) >= 3 && posts[0].ThreadTS == "" && posts[1].ThreadTS == posts[0].TS
	if !threaded {
		t.Error("later messages are not threaded under the release's first one")
	}
	if n := fake.Posted("v1.8.0 waits for qa"); n != 1 {
		t.Errorf("the release's first message, whose reply Slack lost, was posted %d times, want once", n)
	}
	// Both gates closed: their buttons are gone, and each says who signed off and how.
	for _, want := range []string{"shop v1.8.0 on stage: signed off by qa: quinn via slack", "shop v1.8.0 on prod: signed off by sre: sam via slack"} {
		if n := fake.Count(want); n != 1 {
			t.Errorf("%d messages say %q, want the gate's message to", n, want)
		}
	}
	for _, v := range fake.Buttons() {
		if strings.Contains(v, `"version":"v1.8.0"`) {
			t.Errorf("a button of v1.8.0 is still offered after its gates closed: %s", v)
		}
	}
	keys := map[string]int{}
	for _, p := range posts {
		keys[p.Key()]++
	}
	for k, n := range keys {
		if k == "" || n != 1 {
			t.Errorf("%d messages carry key %q, want each message to carry its own", n, k)
		}
	}
	if st.StageNamed(workflows.StageTest).State != workflows.Done || !strings.Contains(st.StageNamed(workflows.StageTest).Detail, "CI checks of "+fix[:7]+" passed") {
		t.Errorf("test stage = %+v, want it done after the CI checks passed", st.StageNamed(workflows.StageTest))
	}
	if gh.ReleaseCount() != 1 || !strings.Contains(gh.ReleaseBody("v1.8.0"), "[#12]") || !strings.Contains(gh.ReleaseBody("v1.8.0"), "ada") {
		t.Errorf("GitHub releases: %d, v1.8.0's notes %q; want one, linking #12 by ada", gh.ReleaseCount(), gh.ReleaseBody("v1.8.0"))
	}
	if st.NotesURL == "" {
		t.Error("the release does not record where its notes were published")
	}
	ids := []string{workflows.ReleaseID("shop", "v1.8.0"),
		workflows.DeployID("shop", "v1.8.0", "stage", "api"), workflows.DeployID("shop", "v1.8.0", "prod", "api")}
	for _, secret := range []string{slackToken, slackSecret, githubToken, registryPassword, e2e.KeyPassword} {
		e2e.NoSecret(t, stk.Srv.Addr, secret, ids...)
		if strings.Contains(worker.Logs.String(), secret) {
			t.Errorf("a secret (%s...) appears in the worker's logs", secret[:6])
		}
	}

	// v1.9.0 goes through a canary nobody uses: too little traffic even
	// after watching it longer, so it asks its deciders in the release's
	// thread. quinn (QA only) may not decide; sam's Continue lets it on.
	next := repo.WriteCommit(t, "feat: v1.9.0", map[string]string{"services/api/CHANGE": "v1.9.0\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	gh.SetCheckRun(next, "ci/build", "completed", "success")
	addr := stk.Srv.Addr
	e2e.MustCLI(t, addr, "release", "start", "v1.9.0", "--config", cfg, "--as", "alice")
	e2e.WaitForStage(t, addr, "v1.9.0", workflows.StageQASignoff, 3*time.Minute)
	e2e.MustCLI(t, addr, "signoff", "v1.9.0", "--product", "shop", "--verdict", "green", "--as", "quinn")
	e2e.WaitForStage(t, addr, "v1.9.0", workflows.StageApproval, time.Minute)
	e2e.MustCLI(t, addr, "approve", "v1.9.0", "--product", "shop", "--as", "sam")
	var cont string
	e2e.Eventually(t, 2*time.Minute, "canary question posted", func() (bool, string) {
		for _, v := range fake.Buttons() {
			if strings.Contains(v, `"version":"v1.9.0"`) && strings.Contains(v, `"canary":"continue"`) {
				cont = v
			}
		}
		return cont != "", fmt.Sprint(fake.Buttons())
	})
	replied := func(what, substr string) {
		t.Helper()
		e2e.Eventually(t, 10*time.Second, what, func() (bool, string) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			return slices.ContainsFunc(rec.bodies, func(b string) bool { return strings.Contains(b, substr) }), fmt.Sprint(rec.bodies)
		})
	}
	body, h = pressAction("U0QUINN", contract.CanaryDecision, cont, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by quinn: status %d", code)
	}
	replied("refusal shown to quinn", "quinn may not decide on this canary")
	body, h = pressAction("U0SAM", contract.CanaryDecision, cont, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by sam: status %d", code)
	}
	replied("sam's decision shown", "continue, decided by sam")
	st = e2e.WaitFinished(t, stk, "v1.9.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("v1.9.0 %s: %s", st.State, st.Error)
	}
	if n := fake.Posted("the canary of api on prod at 50% is marginal (score 0, too little traffic to judge in 4s)"); n != 1 {
		t.Errorf("the canary question was posted %d times, want once", n)
	}
	e2e.SaveHistory(t, addr, workflows.ReleaseID("shop", "v1.8.0"), "release-slack")
	e2e.SaveHistory(t, addr, workflows.DeployID("shop", "v1.9.0", "prod", "api"), "service-deploy-canary-slack")
	if n := fake.Count("shop v1.9.0: the canary of api on prod at 50%: sam chose to continue"); n != 1 {
		t.Errorf("%d messages say sam's answer, want the question to", n)
	}
	for _, v := range fake.Buttons() {
		t.Errorf("a button is still offered after every question was answered: %s", v)
	}
}
