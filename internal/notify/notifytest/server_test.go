package notifytest

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestFake(t *testing.T) {
	ctx := context.Background()
	meta := slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "test", EventPayload: map[string]any{"key": "k1"}})
	start := func(t *testing.T, opts ...Option) (*Server, *slack.Client) {
		f := New(t, opts...)
		return f, slack.New("xoxb-test", slack.OptionAPIURL(f.URL()))
	}
	post := func(t *testing.T, c *slack.Client, channel string, opts ...slack.MsgOption) string {
		t.Helper()
		_, ts, err := c.PostMessageContext(ctx, channel, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}

	t.Run("posts_by_name_or_id_with_increasing_ts", func(t *testing.T) {
		f, c := start(t)
		a := post(t, c, "#releases", slack.MsgOptionText("a", false))
		b := post(t, c, ChannelID, slack.MsgOptionText("b", false))
		ta, _ := parseTS(a)
		tb, _ := parseTS(b)
		if tb <= ta {
			t.Errorf("ts %s then %s, want increasing", a, b)
		}
		if ms := f.Messages(); len(ms) != 2 || ms[0].Channel != ChannelID || ms[1].Text != "b" {
			t.Errorf("messages = %+v", ms)
		}
		if _, _, err := c.PostMessageContext(ctx, "#gone", slack.MsgOptionText("x", false)); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
			t.Errorf("post to an unknown channel: err = %v", err)
		}
	})

	t.Run("history_shows_metadata_only_when_asked", func(t *testing.T) {
		_, c := start(t)
		post(t, c, ChannelID, slack.MsgOptionText("a", false), meta)
		for _, all := range []bool{false, true} {
			res, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ChannelID, IncludeAllMetadata: all})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Messages[0].Metadata.EventPayload["key"] != nil; got != all {
				t.Errorf("include_all_metadata=%v: metadata %+v", all, res.Messages[0].Metadata)
			}
		}
	})

	t.Run("history_needs_an_id_and_leaves_out_replies", func(t *testing.T) {
		_, c := start(t)
		parent := post(t, c, ChannelID, slack.MsgOptionText("parent", false))
		post(t, c, ChannelID, slack.MsgOptionText("reply", false), slack.MsgOptionTS(parent))
		if _, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "#releases"}); err == nil {
			t.Error("history of a channel name answered; Slack wants an ID")
		}
		res, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ChannelID})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) != 1 || res.Messages[0].Text != "parent" || res.Messages[0].ReplyCount != 1 {
			t.Errorf("history = %+v, want the parent alone, with one reply", res.Messages)
		}
	})

	t.Run("reads_page_with_cursors", func(t *testing.T) {
		_, c := start(t, PageSize(2))
		parent := post(t, c, ChannelID, slack.MsgOptionText("m0", false))
		for _, text := range []string{"r1", "r2", "r3", "r4"} {
			post(t, c, ChannelID, slack.MsgOptionText(text, false), slack.MsgOptionTS(parent))
		}
		p := &slack.GetConversationRepliesParameters{ChannelID: ChannelID, Timestamp: parent}
		var texts []string
		for pages := 1; ; pages++ {
			msgs, more, next, err := c.GetConversationRepliesContext(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				texts = append(texts, m.Text)
			}
			if more != (next != "") || pages > 3 {
				t.Fatalf("page %d: has_more %v, next cursor %q", pages, more, next)
			}
			if next == "" {
				break
			}
			p.Cursor = next
		}
		if got := strings.Join(texts, " "); got != "m0 r1 r2 r3 r4" {
			t.Errorf("thread read %q, want the parent then its replies, oldest first", got)
		}
		p.Cursor = "bogus"
		if _, _, _, err := c.GetConversationRepliesContext(ctx, p); err == nil || !strings.Contains(err.Error(), "invalid_cursor") {
			t.Errorf("bad cursor: err = %v", err)
		}
	})

	t.Run("oldest_filters_history", func(t *testing.T) {
		_, c := start(t)
		a := post(t, c, ChannelID, slack.MsgOptionText("a", false))
		post(t, c, ChannelID, slack.MsgOptionText("b", false))
		res, err := c.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ChannelID, Oldest: a})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) != 1 || res.Messages[0].Text != "b" {
			t.Errorf("history after %s = %+v, want b alone", a, res.Messages)
		}
	})

	t.Run("update_replaces_text_and_blocks", func(t *testing.T) {
		f, c := start(t)
		btn := slack.NewButtonBlockElement("go", "v1", slack.NewTextBlockObject(slack.PlainTextType, "Go", false, false))
		ts := post(t, c, ChannelID, slack.MsgOptionText("a", false), slack.MsgOptionBlocks(slack.NewActionBlock("actions", btn)))
		if b := f.Buttons(); len(b) != 1 || b[0] != "v1" {
			t.Fatalf("buttons = %v, want [v1]", b)
		}
		if _, _, _, err := c.UpdateMessageContext(ctx, ChannelID, ts, slack.MsgOptionText("done", false)); err != nil {
			t.Fatal(err)
		}
		if m := f.Messages()[0]; m.Text != "done" || m.Blocks != "" || m.Form.Get("text") != "a" || len(f.Buttons()) != 0 {
			t.Errorf("after update: %+v, buttons %v", m, f.Buttons())
		}
	})

	t.Run("lost_reply_is_an_error_after_storing", func(t *testing.T) {
		f, c := start(t)
		f.LoseReplies(1)
		if _, _, err := c.PostMessageContext(ctx, ChannelID, slack.MsgOptionText("lost", false), meta); err == nil {
			t.Error("the post whose reply was lost reported no error")
		}
		post(t, c, ChannelID, slack.MsgOptionText("kept", false))
		if f.Count("lost") != 1 || f.Count("kept") != 1 || f.Messages()[0].Key() != "k1" {
			t.Errorf("messages = %+v, want lost (with its key) then kept", f.Messages())
		}
	})
}
