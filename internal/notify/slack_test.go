package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/signalman/signalman/internal/notify/notifytest"
)

// startSlack starts a fake Slack and returns a Slack posting to its
// releases channel by ID.
func startSlack(t *testing.T, opts ...notifytest.Option) (Slack, *notifytest.Server) {
	t.Helper()
	f := notifytest.New(t, opts...)
	client := slack.New("xoxb-test", slack.OptionAPIURL(f.URL()))
	return Slack{Client: client, Channel: notifytest.ChannelID}, f
}

// posted returns the i-th message f holds.
func posted(t *testing.T, f *notifytest.Server, i int) notifytest.Message {
	t.Helper()
	msgs := f.Messages()
	if i >= len(msgs) {
		t.Fatalf("Slack holds %d messages, want at least %d", len(msgs), i+1)
	}
	return msgs[i]
}

func decodeBlocks(t *testing.T, blocks string) []slack.Block {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("decode posted blocks %q: %v", blocks, err)
	}
	return bs.BlockSet
}

func TestPost(t *testing.T) {
	ctx := context.Background()
	s, f := startSlack(t)

	channel, first, err := s.Post(ctx, Message{Product: "checkout", Version: "v1.42.0", Stage: "test", State: "deployed", Text: "checkout v1.42.0 is in test"})
	if err != nil {
		t.Fatal(err)
	}
	if first == "" || channel != notifytest.ChannelID {
		t.Fatalf("first message returned ts %q in channel %q, want a ts in %s", first, channel, notifytest.ChannelID)
	}
	_, second, err := s.Post(ctx, Message{
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
		form := posted(t, f, 0).Form
		if got := form.Get("thread_ts"); got != "" {
			t.Errorf("thread_ts = %q, want none", got)
		}
		if got := form.Get("channel"); got != notifytest.ChannelID {
			t.Errorf("channel = %q", got)
		}
		bs := decodeBlocks(t, form.Get("blocks"))
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
		form := posted(t, f, 1).Form
		if got := form.Get("thread_ts"); got != first {
			t.Errorf("thread_ts = %q, want %q", got, first)
		}
		bs := decodeBlocks(t, form.Get("blocks"))
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
	ctx := context.Background()
	s, f := startSlack(t)
	_, ts, err := s.Post(ctx, Message{Product: "checkout", Version: "v1.42.0", Stage: "prod", Text: "approve?",
		Buttons: []Button{{Action: ActionApprove, Label: "Approve", Value: "yes"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, notifytest.ChannelID, ts, "Signed off by Alice"); err != nil {
		t.Fatal(err)
	}
	m := posted(t, f, 0)
	if m.TS != ts || m.Channel != notifytest.ChannelID || m.Text != "Signed off by Alice" {
		t.Errorf("message %s/%s reads %q, want %s/%s updated to the outcome", m.Channel, m.TS, m.Text, notifytest.ChannelID, ts)
	}
	bs := decodeBlocks(t, m.Blocks)
	if len(bs) != 1 {
		t.Fatalf("got %d blocks, want only the text", len(bs))
	}
	if sec, ok := bs[0].(*slack.SectionBlock); !ok || sec.Text.Text != "Signed off by Alice" {
		t.Errorf("block = %#v, want a section with the outcome", bs[0])
	}
	if b := f.Buttons(); len(b) != 0 {
		t.Errorf("buttons %v remain after the update", b)
	}
}

func TestSlackErrorsAreReported(t *testing.T) {
	ctx := context.Background()
	s, _ := startSlack(t)
	s.Channel = "C0GONE"
	_, _, err := s.Post(ctx, Message{Product: "checkout", Version: "v1.42.0", Stage: "prod", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") || !strings.Contains(err.Error(), "checkout v1.42.0 prod") {
		t.Errorf("post: err = %v, want the release and Slack's reason", err)
	}
	err = s.Update(ctx, notifytest.ChannelID, "1700000000.000001", "done")
	if err == nil || !strings.Contains(err.Error(), "message_not_found") || !strings.Contains(err.Error(), "1700000000.000001") {
		t.Errorf("update: err = %v, want the message and Slack's reason", err)
	}
}

// TestRecheck covers a post that may repeat an earlier attempt's: with
// Recheck, Post returns the ts of a message that carries the same Key
// instead of posting again.
func TestRecheck(t *testing.T) {
	ctx := context.Background()
	msg := func(key, thread string) Message {
		return Message{Product: "checkout", Version: "v1.42.0", Stage: "prod", Text: "checkout v1.42.0 " + key,
			ThreadTS: thread, Key: key, Since: time.Now().Add(-time.Minute)}
	}
	again := func(m Message) Message {
		m.Recheck = true
		return m
	}
	post := func(t *testing.T, s Slack, m Message) string {
		t.Helper()
		_, ts, err := s.Post(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	withKey := func(f *notifytest.Server, key string) int {
		n := 0
		for _, m := range f.Messages() {
			if m.Key() == key {
				n++
			}
		}
		return n
	}

	t.Run("key_travels_as_metadata", func(t *testing.T) {
		s, f := startSlack(t)
		post(t, s, msg("wf/run/7", ""))
		post(t, s, msg("", ""))
		if md := posted(t, f, 0).Metadata; md == nil || md.EventType != "signalman_message" || md.EventPayload["key"] != "wf/run/7" {
			t.Errorf("metadata = %+v, want signalman_message carrying the key", md)
		}
		if md := posted(t, f, 1).Metadata; md != nil {
			t.Errorf("a message without a key carries metadata %+v", md)
		}
	})

	t.Run("repeat_in_the_channel_returns_the_first_ts", func(t *testing.T) {
		s, f := startSlack(t)
		first := post(t, s, msg("wf/run/7", ""))
		if ts := post(t, s, again(msg("wf/run/7", ""))); ts != first {
			t.Errorf("repeat got ts %s, want the first post's %s", ts, first)
		}
		if n := len(f.Messages()); n != 1 {
			t.Errorf("Slack holds %d messages, want 1", n)
		}
	})

	t.Run("repeat_in_a_thread_returns_the_first_ts", func(t *testing.T) {
		s, f := startSlack(t)
		parent := post(t, s, msg("wf/run/1", ""))
		first := post(t, s, msg("wf/run/7", parent))
		if ts := post(t, s, again(msg("wf/run/7", parent))); ts != first {
			t.Errorf("repeat got ts %s, want the first post's %s", ts, first)
		}
		if n := withKey(f, "wf/run/7"); n != 1 || f.Calls("conversations.replies") == 0 {
			t.Errorf("%d replies with the key, %d thread reads; want 1 reply, found in the thread", n, f.Calls("conversations.replies"))
		}
	})

	t.Run("another_key_posts", func(t *testing.T) {
		s, f := startSlack(t)
		first := post(t, s, msg("wf/run/7", ""))
		if ts := post(t, s, again(msg("wf/run/8", ""))); ts == first {
			t.Error("a message with another key got the first post's ts")
		}
		if n := len(f.Messages()); n != 2 {
			t.Errorf("Slack holds %d messages, want 2", n)
		}
	})

	t.Run("message_older_than_since_is_not_looked_for", func(t *testing.T) {
		s, f := startSlack(t)
		post(t, s, msg("wf/run/7", ""))
		m := again(msg("wf/run/7", ""))
		m.Since = time.Now()
		post(t, s, m)
		if n := withKey(f, "wf/run/7"); n != 2 {
			t.Errorf("%d messages with the key, want 2: the search starts at Since", n)
		}
	})

	t.Run("pages_through_history", func(t *testing.T) {
		s, f := startSlack(t, notifytest.PageSize(2))
		first := post(t, s, msg("wf/run/7", ""))
		for i := range 5 {
			post(t, s, msg(fmt.Sprintf("wf/run/%d", 10+i), ""))
		}
		if ts := post(t, s, again(msg("wf/run/7", ""))); ts != first {
			t.Errorf("repeat got ts %s, want the first post's %s", ts, first)
		}
		if n := f.Calls("conversations.history"); n != 3 {
			t.Errorf("%d history reads, want 3 pages of 2, newest first", n)
		}
	})

	t.Run("pages_through_a_thread", func(t *testing.T) {
		s, f := startSlack(t, notifytest.PageSize(2))
		parent := post(t, s, msg("wf/run/1", ""))
		for i := range 4 {
			post(t, s, msg(fmt.Sprintf("wf/run/%d", 10+i), parent))
		}
		first := post(t, s, msg("wf/run/7", parent))
		if ts := post(t, s, again(msg("wf/run/7", parent))); ts != first {
			t.Errorf("repeat got ts %s, want the first post's %s", ts, first)
		}
		if n := f.Calls("conversations.replies"); n != 3 {
			t.Errorf("%d thread reads, want 3 pages of 2, oldest first", n)
		}
	})

	t.Run("channel_name_is_resolved_to_its_id", func(t *testing.T) {
		s, f := startSlack(t, notifytest.PageSize(1),
			notifytest.WithChannel("C0GENERAL", "general"), notifytest.WithChannel("C0EU", "releases-eu"))
		s.Channel = "#releases-eu"
		first := post(t, s, msg("wf/run/7", ""))
		if ts := post(t, s, again(msg("wf/run/7", ""))); ts != first {
			t.Errorf("repeat got ts %s, want the first post's %s", ts, first)
		}
		if n := f.Calls("conversations.list"); n != 3 {
			t.Errorf("%d channel list reads, want 3 pages of 1", n)
		}
		if m := posted(t, f, 0); m.Channel != "C0EU" || len(f.Messages()) != 1 {
			t.Errorf("posted to %s, %d messages; want one, in C0EU", m.Channel, len(f.Messages()))
		}
	})

	t.Run("unknown_channel_name_is_a_clear_error", func(t *testing.T) {
		s, f := startSlack(t)
		s.Channel = "#nowhere"
		_, _, err := s.Post(ctx, again(msg("wf/run/7", "")))
		if err == nil || !strings.Contains(err.Error(), `no channel named "nowhere"`) || !strings.Contains(err.Error(), "checkout v1.42.0 prod") {
			t.Errorf("err = %v, want it to name the missing channel and the release", err)
		}
		if n := len(f.Messages()); n != 0 {
			t.Errorf("Slack holds %d messages, want none", n)
		}
	})

	t.Run("recheck_without_a_key_is_an_error", func(t *testing.T) {
		s, f := startSlack(t)
		if _, _, err := s.Post(ctx, again(msg("", ""))); err == nil || !strings.Contains(err.Error(), "no Key") {
			t.Errorf("err = %v, want a missing key reported", err)
		}
		if n := len(f.Messages()); n != 0 {
			t.Errorf("Slack holds %d messages, want none", n)
		}
	})
}

// TestRecheckAfterLostReply is the case Recheck exists for: Slack stores
// the message but its reply is lost, and the retry must find it rather
// than post it again.
func TestRecheckAfterLostReply(t *testing.T) {
	for _, thread := range []bool{false, true} {
		name := "channel_message"
		if thread {
			name = "thread_reply"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, f := startSlack(t)
			m := Message{Product: "checkout", Version: "v1.42.0", Stage: "prod", Text: "checkout v1.42.0 is in production",
				Key: "wf/run/7", Since: time.Now().Add(-time.Minute)}
			if thread {
				_, parent, err := s.Post(ctx, Message{Text: "checkout v1.42.0"})
				if err != nil {
					t.Fatal(err)
				}
				m.ThreadTS = parent
			}
			f.LoseReplies(1)
			if _, _, err := s.Post(ctx, m); err == nil {
				t.Fatal("the post whose reply was lost reported no error")
			}
			m.Recheck = true
			_, ts, err := s.Post(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if n := f.Count("is in production"); n != 1 {
				t.Fatalf("the message is posted %d times, want once", n)
			}
			var stored notifytest.Message
			for _, sm := range f.Messages() {
				if sm.Key() == m.Key {
					stored = sm
				}
			}
			if ts != stored.TS || stored.ThreadTS != m.ThreadTS {
				t.Errorf("retry got ts %s, want the stored message's %s (thread %q, want %q)", ts, stored.TS, stored.ThreadTS, m.ThreadTS)
			}
		})
	}
}

// A bot that may post but not read history cannot look for an earlier
// post: it posts again rather than leave the message unseen, and another
// read error still fails the post.
func TestRecheckWithoutReadScope(t *testing.T) {
	ctx := context.Background()
	s, f := startSlack(t, notifytest.Deny("conversations.history", "missing_scope"))
	m := Message{Text: "checkout v1.42.0 waits for qa", Key: "wf/run/3", Recheck: true}
	for range 2 {
		if _, _, err := s.Post(ctx, m); err != nil {
			t.Fatalf("recheck without the history scope: %v", err)
		}
	}
	if n := f.Count("waits for qa"); n != 2 {
		t.Errorf("posted %d times, want 2: each attempt posts when it cannot look", n)
	}

	s, f = startSlack(t, notifytest.Deny("conversations.history", "ratelimited"))
	if _, _, err := s.Post(ctx, m); err == nil || !strings.Contains(err.Error(), "ratelimited") {
		t.Errorf("recheck on a failing history read: err %v, want the read's error", err)
	}
	if n := f.Count("waits for qa"); n != 0 {
		t.Errorf("posted %d times after a failed read, want none", n)
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
