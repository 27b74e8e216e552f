package tests

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/signalman/signalman/workflows"
)

const (
	slackSecret = "slack-signing-secret-e2e-8c1d"
	slackToken  = "xoxb-e2e-bot-token-77aa"
)

// slackRecorder keeps what the worker posted to the slacktest server and
// what came back to the interactions' response_url.
type slackRecorder struct {
	mu      sync.Mutex
	posts   []url.Values
	replies []string
}

func (r *slackRecorder) buttons(t *testing.T) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var values []string
	for _, p := range r.posts {
		var blocks []struct {
			Type     string `json:"type"`
			Elements []struct {
				Value string `json:"value"`
			} `json:"elements"`
		}
		json.Unmarshal([]byte(p.Get("blocks")), &blocks)
		for _, b := range blocks {
			for _, e := range b.Elements {
				if e.Value != "" {
					values = append(values, e.Value)
				}
			}
		}
	}
	return values
}

// press builds Slack's signed interaction request for a button press.
func press(user, value, responseURL, secret string, at time.Time) (body string, header http.Header) {
	p, _ := json.Marshal(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user},
		"channel":      map[string]any{"id": "C0REL"},
		"container":    map[string]any{"type": "message", "message_ts": "1.1", "channel_id": "C0REL"},
		"response_url": responseURL,
		"actions":      []map[string]any{{"type": "button", "block_id": "actions", "action_id": "signoff", "value": value}},
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

// TestSlackApprovals runs a release whose QA and SRE gates are approved
// from Slack: the worker posts the gate with a button to slack-go's test
// server, and signed button presses reach the worker's endpoint. Forged
// and replayed requests are refused and change nothing; the person who
// triggered the release is refused as on the CLI.
func TestSlackApprovals(t *testing.T) {
	rec := &slackRecorder{}
	sts := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			rec.mu.Lock()
			rec.posts = append(rec.posts, r.Form)
			n := len(rec.posts)
			rec.mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":"C0REL","ts":"1700000000.%06d"}`, n)
		})
	})
	sts.Start()
	defer sts.Stop()
	respond := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.replies = append(rec.replies, string(b))
		rec.mu.Unlock()
	}))
	defer respond.Close()

	_, remote, _ := exampleRepo(t, nil)
	cfg := writePipeline(t, fmt.Sprintf(`product: shop
repository:
  url: %s
services:
  - name: api
    build: {package: ./services/api}
environments:
  stage:
    signoffs: [{role: qa}]
  prod:
    signoffs: [{role: sre}]
approvers:
  qa: [quinn, alice]
  sre: [sam]
release:
  ship_delay: 0s
notifications:
  slack:
    channel: "#releases"
    users: {U0QUINN: quinn, U0SAM: sam, U0ALICE: alice}
`, remote))

	stk := newStack(t)
	metrics := freePort(t)
	stk.workerArgs = []string{"--metrics", metrics, "--slack-api", sts.GetAPIURL()}
	stk.workerEnv = []string{"SLACK_BOT_TOKEN=" + slackToken, "SLACK_SIGNING_SECRET=" + slackSecret}
	startWorker(t, stk)
	endpoint := "http://" + metrics + "/slack/interactions"

	mustCLI(t, stk.srv.addr, "release", "start", "v1.8.0", "--config", cfg, "--as", "alice")
	waitForStage(t, stk.srv.addr, "v1.8.0", workflows.StageQASignoff, 3*time.Minute)
	var qa string
	eventually(t, 30*time.Second, "QA button posted", func() (bool, string) {
		for _, v := range rec.buttons(t) {
			if strings.Contains(v, `"env":"stage"`) {
				qa = v
			}
		}
		return qa != "", fmt.Sprint(rec.buttons(t))
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
	if st, _ := status(t, stk.srv.addr, "v1.8.0"); len(st.Signoffs) != 0 {
		t.Fatalf("a refused press signed off: %+v", st.Signoffs)
	}
	eventually(t, 10*time.Second, "refusal shown to alice", func() (bool, string) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, r := range rec.replies {
			if strings.Contains(r, "alice triggered this release") && strings.Contains(r, "ephemeral") {
				return true, ""
			}
		}
		return false, fmt.Sprint(rec.replies)
	})

	body, h = press("U0QUINN", qa, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by quinn: status %d", code)
	}
	waitForStage(t, stk.srv.addr, "v1.8.0", workflows.StageApproval, time.Minute)
	var sre string
	eventually(t, 30*time.Second, "SRE button posted", func() (bool, string) {
		for _, v := range rec.buttons(t) {
			if strings.Contains(v, `"env":"prod"`) {
				sre = v
			}
		}
		return sre != "", fmt.Sprint(rec.buttons(t))
	})
	body, h = press("U0SAM", sre, respond.URL, slackSecret, time.Now())
	if code := send(t, endpoint, body, h); code != http.StatusOK {
		t.Fatalf("press by sam: status %d", code)
	}
	st := waitFinished(t, stk, "v1.8.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("release %s: %s", st.State, st.Error)
	}
	if len(st.Signoffs) != 2 || st.Signoffs[0].Via != "slack" || st.Signoffs[0].Person != "quinn" || st.Signoffs[1].Person != "sam" {
		t.Errorf("signoffs = %+v, want quinn then sam, via Slack", st.Signoffs)
	}
	rec.mu.Lock()
	threaded := len(rec.posts) >= 3 && rec.posts[0].Get("thread_ts") == "" && rec.posts[1].Get("thread_ts") != ""
	rec.mu.Unlock()
	if !threaded {
		t.Error("later messages are not threaded under the release's first one")
	}
	assertNoSecret(t, stk.srv.addr, slackToken, workflows.ReleaseID("shop", "v1.8.0"))
	assertNoSecret(t, stk.srv.addr, slackSecret, workflows.ReleaseID("shop", "v1.8.0"))
}
