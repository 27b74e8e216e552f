package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// fakeSlack records the chat calls slacktest serves.
type fakeSlack struct {
	mu    sync.Mutex
	calls []url.Values // chat.postMessage and chat.update forms, in order
}

func (f *fakeSlack) record(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, r.PostForm)
		ts := fmt.Sprintf("1700000000.%06d", len(f.calls))
		f.mu.Unlock()
		if method == "chat.update" {
			ts = r.PostForm.Get("ts")
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": ts, "text": r.PostForm.Get("text")})
	}
}

func (f *fakeSlack) call(t *testing.T, i int) url.Values {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if i >= len(f.calls) {
		t.Fatalf("Slack saw %d calls, want at least %d", len(f.calls), i+1)
	}
	return f.calls[i]
}

func startSlack(t *testing.T) (Slack, *fakeSlack) {
	t.Helper()
	f := &fakeSlack{}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.record("chat.postMessage"))
		c.Handle("/chat.update", f.record("chat.update"))
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	client := slack.New("xoxb-test", slack.OptionAPIURL(srv.GetAPIURL()))
	return Slack{Client: client, Channel: "C0RELEASES"}, f
}

func decodeBlocks(t *testing.T, form url.Values) []slack.Block {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal([]byte(form.Get("blocks")), &bs); err != nil {
		t.Fatalf("decode posted blocks %q: %v", form.Get("blocks"), err)
	}
	return bs.BlockSet
}

func TestPost(t *testing.T) {
	ctx := context.Background()
	s, f := startSlack(t)

	first, err := s.Post(ctx, Message{Product: "checkout", Version: "v1.42.0", Stage: "test", State: "deployed", Text: "checkout v1.42.0 is in test"})
	if err != nil {
		t.Fatal(err)
	}
	if first == "" {
		t.Fatal("first message returned no ts")
	}
	second, err := s.Post(ctx, Message{
		Product: "checkout", Version: "v1.42.0", Stage: "staging", State: "waiting for signoff",
		Text:     "*checkout v1.42.0* needs QA signoff",
		ThreadTS: first,
		Buttons: []Button{
			{Action: ActionSignoff, Label: "Sign off", Value: `{"verdict":"pass"}`, Style: "primary"},
			{Action: ActionSignoff, Label: "Reject", Value: `{"verdict":"fail"}`, Style: "danger"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Errorf("second message got the first's ts %s", first)
	}

	t.Run("first_message_starts_the_thread", func(t *testing.T) {
		form := f.call(t, 0)
		if got := form.Get("thread_ts"); got != "" {
			t.Errorf("thread_ts = %q, want none", got)
		}
		if got := form.Get("channel"); got != "C0RELEASES" {
			t.Errorf("channel = %q", got)
		}
		bs := decodeBlocks(t, form)
		if len(bs) != 2 {
			t.Fatalf("got %d blocks, want section and context", len(bs))
		}
		ctxBlock, ok := bs[1].(*slack.ContextBlock)
		if !ok {
			t.Fatalf("second block is %T, want context", bs[1])
		}
		var words []string
		for _, e := range ctxBlock.ContextElements.Elements {
			if txt, ok := e.(*slack.TextBlockObject); ok {
				words = append(words, txt.Text)
			}
		}
		if got, want := strings.Join(words, " "), "checkout v1.42.0 test deployed"; got != want {
			t.Errorf("context = %q, want %q", got, want)
		}
	})

	t.Run("later_message_replies_in_thread_with_buttons", func(t *testing.T) {
		form := f.call(t, 1)
		if got := form.Get("thread_ts"); got != first {
			t.Errorf("thread_ts = %q, want %q", got, first)
		}
		bs := decodeBlocks(t, form)
		if len(bs) != 3 {
			t.Fatalf("got %d blocks, want section, context and actions", len(bs))
		}
		sec, ok := bs[0].(*slack.SectionBlock)
		if !ok || sec.Text.Text != "*checkout v1.42.0* needs QA signoff" || sec.Text.Type != slack.MarkdownType {
			t.Errorf("first block = %#v, want the mrkdwn text", bs[0])
		}
		act, ok := bs[2].(*slack.ActionBlock)
		if !ok {
			t.Fatalf("third block is %T, want actions", bs[2])
		}
		want := []struct{ id, value, label, style string }{
			{"signoff", `{"verdict":"pass"}`, "Sign off", "primary"},
			{"signoff#2", `{"verdict":"fail"}`, "Reject", "danger"},
		}
		if len(act.Elements.ElementSet) != len(want) {
			t.Fatalf("got %d buttons, want %d", len(act.Elements.ElementSet), len(want))
		}
		for i, w := range want {
			b, ok := act.Elements.ElementSet[i].(*slack.ButtonBlockElement)
			if !ok {
				t.Fatalf("element %d is %T, want button", i, act.Elements.ElementSet[i])
			}
			if b.ActionID != w.id || b.Value != w.value || b.Text.Text != w.label || string(b.Style) != w.style {
				t.Errorf("button %d = {%s %s %s %s}, want %v", i, b.ActionID, b.Value, b.Text.Text, b.Style, w)
			}
			if got := actionName(b.ActionID); got != ActionSignoff {
				t.Errorf("actionName(%q) = %q, want %q", b.ActionID, got, ActionSignoff)
			}
		}
	})
}

func TestUpdateReplacesButtonsWithText(t *testing.T) {
	s, f := startSlack(t)
	if err := s.Update(context.Background(), "C0RELEASES", "1700000000.000001", "Signed off by Alice"); err != nil {
		t.Fatal(err)
	}
	form := f.call(t, 0)
	if form.Get("ts") != "1700000000.000001" || form.Get("channel") != "C0RELEASES" {
		t.Errorf("updated %s/%s, want C0RELEASES/1700000000.000001", form.Get("channel"), form.Get("ts"))
	}
	bs := decodeBlocks(t, form)
	if len(bs) != 1 {
		t.Fatalf("got %d blocks, want only the text", len(bs))
	}
	if sec, ok := bs[0].(*slack.SectionBlock); !ok || sec.Text.Text != "Signed off by Alice" {
		t.Errorf("block = %#v, want a section with the outcome", bs[0])
	}
}

func TestPostReportsSlackErrors(t *testing.T) {
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	s := Slack{Client: slack.New("xoxb-test", slack.OptionAPIURL(srv.GetAPIURL())), Channel: "C0GONE"}
	_, err := s.Post(context.Background(), Message{Product: "checkout", Version: "v1.42.0", Stage: "prod", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") || !strings.Contains(err.Error(), "checkout v1.42.0 prod") {
		t.Errorf("err = %v, want the release and Slack's reason", err)
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", maxSectionText+10)
	got := truncate(long, maxSectionText)
	if n := len([]rune(got)); n != maxSectionText || !strings.HasSuffix(got, "…") {
		t.Errorf("truncate gave %d runes ending %q", n, got[len(got)-3:])
	}
	if truncate("short", 10) != "short" {
		t.Error("truncate changed a short text")
	}
}
