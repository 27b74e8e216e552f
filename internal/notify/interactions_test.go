package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// testNow is the clock's time: slack-go's verifier checks a request's
// timestamp against the real clock.
var testNow = time.Now()

// replies records what the endpoint posts to response_url.
type replies struct {
	mu   sync.Mutex
	got  []response
	hits int
}

func (rs *replies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var resp response
	err := json.NewDecoder(r.Body).Decode(&resp)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.hits++
	if err == nil && r.Header.Get("Content-Type") == "application/json" {
		rs.got = append(rs.got, resp)
	}
}

func (rs *replies) all() ([]response, int) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]response(nil), rs.got...), rs.hits
}

// press is the block_actions payload Slack sends when user presses a button.
func press(user, responseURL string) string {
	p := map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user, "username": "someone"},
		"channel":      map[string]any{"id": "C0RELEASES", "name": "releases"},
		"container":    map[string]any{"type": "message", "message_ts": "1700000000.000002", "channel_id": "C0RELEASES"},
		"message":      map[string]any{"type": "message", "ts": "1700000000.000002", "text": "needs signoff"},
		"response_url": responseURL,
		"actions": []map[string]any{{
			"type": "button", "action_id": "signoff#2", "block_id": "actions",
			"value": `{"product":"checkout","version":"v1.42.0","env":"staging","verdict":"fail"}`,
		}},
	}
	b, _ := json.Marshal(p)
	return url.Values{"payload": {string(b)}}.Encode()
}

func signed(body string, at time.Time, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(at.Unix(), 10)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", slackSignature(secret, stamp, []byte(body)))
	return r
}

type fixture struct {
	in      Interactions
	replies *replies
	url     string
	mu      sync.Mutex
	handled []Action
}

func newFixture(t *testing.T, outcome string, err error) *fixture {
	t.Helper()
	fx := &fixture{replies: &replies{}}
	srv := httptest.NewServer(fx.replies)
	t.Cleanup(srv.Close)
	fx.url = srv.URL + "/actions/T0/1234/abcd"
	fx.in = Interactions{
		SigningSecret: testSecret,
		Users:         map[string]string{"U0ALICE": "alice"},
		Handle: func(_ context.Context, a Action) (string, error) {
			fx.mu.Lock()
			defer fx.mu.Unlock()
			fx.handled = append(fx.handled, a)
			return outcome, err
		},
		HTTP: srv.Client(),
	}
	return fx
}

func (fx *fixture) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	fx.in.ServeHTTP(w, r)
	return w
}

func (fx *fixture) calls() []Action {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return append([]Action(nil), fx.handled...)
}

func TestInteractionsApproverPress(t *testing.T) {
	fx := newFixture(t, "Rejected by alice", nil)
	w := fx.serve(signed(press("U0ALICE", fx.url), testNow.Add(-30*time.Second), testSecret))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d %q, want 200", w.Code, w.Body)
	}

	calls := fx.calls()
	if len(calls) != 1 {
		t.Fatalf("Handle called %d times, want once", len(calls))
	}
	want := Action{
		Name:        ActionSignoff,
		Value:       `{"product":"checkout","version":"v1.42.0","env":"staging","verdict":"fail"}`,
		Person:      "alice",
		SlackUser:   "U0ALICE",
		ResponseURL: fx.url,
		Channel:     "C0RELEASES",
		MessageTS:   "1700000000.000002",
	}
	if calls[0] != want {
		t.Errorf("Handle got %+v\nwant %+v", calls[0], want)
	}

	got, _ := fx.replies.all()
	if len(got) != 1 || got[0] != (response{ReplaceOriginal: true, Text: "Rejected by alice"}) {
		t.Errorf("response_url got %+v, want the outcome replacing the message", got)
	}
}

func TestInteractionsRefusalGoesToThePresserAndKeepsTheButtons(t *testing.T) {
	fx := newFixture(t, "", errors.New("alice triggered checkout v1.42.0 and cannot sign it off"))
	if w := fx.serve(signed(press("U0ALICE", fx.url), testNow, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("status %d %q, want 200", w.Code, w.Body)
	}
	got, _ := fx.replies.all()
	if len(got) != 1 || got[0].ReplaceOriginal || got[0].ResponseType != "ephemeral" || !strings.Contains(got[0].Text, "alice triggered checkout v1.42.0 and cannot sign it off") {
		t.Errorf("response_url got %+v, want the reason for the presser only, the message kept", got)
	}
}

func TestInteractionsHandlePanicIsReportedNotFatal(t *testing.T) {
	fx := newFixture(t, "", nil)
	fx.in.Handle = func(context.Context, Action) (string, error) { panic("boom") }
	if w := fx.serve(signed(press("U0ALICE", fx.url), testNow, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if got, _ := fx.replies.all(); len(got) != 1 || !strings.Contains(got[0].Text, "internal error") {
		t.Errorf("response_url got %+v, want an internal error", got)
	}
}

func TestInteractionsUnknownUserIsToldAndNotHandled(t *testing.T) {
	fx := newFixture(t, "should not happen", nil)
	if w := fx.serve(signed(press("U0MALLORY", fx.url), testNow, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("status %d %q, want 200", w.Code, w.Body)
	}
	if calls := fx.calls(); len(calls) != 0 {
		t.Errorf("Handle called with %+v for a user who is not an approver", calls)
	}
	got, _ := fx.replies.all()
	want := response{ResponseType: "ephemeral", Text: notApprover}
	if len(got) != 1 || got[0] != want {
		t.Errorf("response_url got %+v, want %+v (buttons kept for real approvers)", got, want)
	}
}

func TestInteractionsRefusesUnverifiedRequests(t *testing.T) {
	body := func(fx *fixture) string { return press("U0ALICE", fx.url) }
	tests := []struct {
		name string
		req  func(fx *fixture) *http.Request
	}{
		{"forged_signature_wrong_secret", func(fx *fixture) *http.Request {
			return signed(body(fx), testNow, "not-the-secret")
		}},
		{"replayed_ten_minutes_old", func(fx *fixture) *http.Request {
			return signed(body(fx), testNow.Add(-10*time.Minute), testSecret)
		}},
		{"timestamp_ten_minutes_ahead", func(fx *fixture) *http.Request {
			return signed(body(fx), testNow.Add(10*time.Minute), testSecret)
		}},
		{"body_changed_after_signing", func(fx *fixture) *http.Request {
			r := signed(body(fx), testNow, testSecret)
			r.Body = io.NopCloser(strings.NewReader(press("U0ALICE", fx.url+"x")))
			return r
		}},
		{"timestamp_changed_after_signing", func(fx *fixture) *http.Request {
			r := signed(body(fx), testNow, testSecret)
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(testNow.Unix()+1, 10))
			return r
		}},
		{"malformed_timestamp", func(fx *fixture) *http.Request {
			r := signed(body(fx), testNow, testSecret)
			r.Header.Set("X-Slack-Request-Timestamp", "yesterday")
			return r
		}},
		{"missing_signature", func(fx *fixture) *http.Request {
			r := signed(body(fx), testNow, testSecret)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"missing_timestamp", func(fx *fixture) *http.Request {
			r := signed(body(fx), testNow, testSecret)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
		{"missing_both_headers", func(fx *fixture) *http.Request {
			return httptest.NewRequest(http.MethodPost, "/slack/interactions", strings.NewReader(body(fx)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, "should not happen", nil)
			w := fx.serve(tt.req(fx))
			if w.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", w.Code)
			}
			if strings.TrimSpace(w.Body.String()) == "" {
				t.Error("401 has no body saying why")
			}
			if calls := fx.calls(); len(calls) != 0 {
				t.Errorf("Handle called with %+v", calls)
			}
			if _, hits := fx.replies.all(); hits != 0 {
				t.Errorf("response_url called %d times", hits)
			}
		})
	}
}

func TestInteractionsRejectsOtherRequests(t *testing.T) {
	tests := []struct {
		name string
		in   func(fx *fixture) Interactions
		req  func(fx *fixture) *http.Request
		code int
	}{
		{"get_is_not_allowed", nil, func(*fixture) *http.Request {
			return httptest.NewRequest(http.MethodGet, "/slack/interactions", nil)
		}, http.StatusMethodNotAllowed},
		{"no_signing_secret_configured", func(fx *fixture) Interactions {
			in := fx.in
			in.SigningSecret = ""
			return in
		}, func(fx *fixture) *http.Request {
			return signed(press("U0ALICE", fx.url), testNow, "")
		}, http.StatusInternalServerError},
		{"signed_body_without_payload", nil, func(*fixture) *http.Request {
			return signed("token=abc", testNow, testSecret)
		}, http.StatusBadRequest},
		{"signed_payload_not_json", nil, func(*fixture) *http.Request {
			return signed("payload=%7Bnope", testNow, testSecret)
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, "should not happen", nil)
			if tt.in != nil {
				fx.in = tt.in(fx)
			}
			if w := fx.serve(tt.req(fx)); w.Code != tt.code {
				t.Errorf("status %d %q, want %d", w.Code, w.Body, tt.code)
			}
			if calls := fx.calls(); len(calls) != 0 {
				t.Errorf("Handle called with %+v", calls)
			}
		})
	}
}

func TestInteractionsIgnoresOtherInteractionTypes(t *testing.T) {
	fx := newFixture(t, "should not happen", nil)
	body := url.Values{"payload": {`{"type":"view_closed","user":{"id":"U0ALICE"}}`}}.Encode()
	if w := fx.serve(signed(body, testNow, testSecret)); w.Code != http.StatusOK {
		t.Errorf("status %d, want 200", w.Code)
	}
	if len(fx.calls()) != 0 {
		t.Error("Handle called for a view_closed interaction")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func FuzzInteraction(f *testing.F) {
	f.Add(press("U0ALICE", "https://hooks.slack.test/actions/1"))
	f.Add(press("U0MALLORY", "https://hooks.slack.test/actions/1"))
	f.Add(press("U0ALICE", "::not a url"))
	f.Add("payload=" + url.QueryEscape(`{"type":"block_actions","actions":[{}]}`))
	f.Add("payload=" + url.QueryEscape(`{"type":"block_actions","actions":null,"user":null}`))
	f.Add("payload=%7B%7D")
	f.Add("payload=%zz")
	f.Add("")

	// Nothing leaves the process: response_url posts land here.
	offline := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})}
	in := Interactions{
		SigningSecret: testSecret,
		Users:         map[string]string{"U0ALICE": "alice"},
		Handle: func(_ context.Context, a Action) (string, error) {
			if strings.Contains(a.Value, "fail") {
				return "", errors.New("refused")
			}
			return "done by " + a.Person, nil
		},
		HTTP: offline,
	}
	f.Fuzz(func(t *testing.T, body string) {
		w := httptest.NewRecorder()
		in.ServeHTTP(w, signed(body, testNow, testSecret))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest:
		default:
			t.Errorf("signed body %q got status %d %q", body, w.Code, w.Body)
		}
	})
}

// slackSignature is the X-Slack-Signature Slack sends with body at
// timestamp: HMAC-SHA256 of "v0:TIMESTAMP:BODY" with the signing secret.
func slackSignature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + timestamp + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}
