// Package notify posts release messages to Slack and serves Slack's
// interactivity endpoint so approvers can sign off from a button.
//
// Posting needs the bot scope chat:write. A Message with Recheck set first
// looks for an earlier post of itself, which also needs channels:history
// and groups:history (to read public and private channels' messages and
// threads) and, when the channel is given by name rather than ID,
// channels:read and groups:read (to find its ID). Without them a recheck
// cannot look and posts anyway: the message may then appear twice.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Button actions a release message can carry.
const (
	ActionSignoff = "signoff"
	ActionApprove = "approve"
)

// Slack's limit on a section block's text.
const maxSectionText = 3000

// actionSuffix separates an action from the counter that keeps action_ids
// unique within one actions block, which Slack requires.
const actionSuffix = "#"

// Slack posts release messages to one channel, one thread per release.
type Slack struct {
	Client  *slack.Client
	Channel string
}

// metadataType is the event_type of the metadata that carries a
// message's Key.
const metadataType = "signalman_message"

// pageSize is how many messages or channels one Slack read asks for.
const pageSize = 200

// Message is one update about a release.
type Message struct {
	Product, Version, Stage, State, Text string
	// ThreadTS is the ts of the release's first message; "" starts the thread.
	ThreadTS string
	Buttons  []Button
	// Key identifies the message across retries of one post; Post attaches
	// it as message metadata. Anyone in the channel can read it, so it must
	// never hold a secret.
	Key string
	// Recheck says an earlier attempt may have posted the message already:
	// Post first looks for a message carrying Key (in the thread ThreadTS,
	// or else among the channel's messages newer than Since) and returns
	// its ts instead of posting again.
	Recheck bool
	// Since bounds the search for a top-level message; the zero time
	// searches the channel's whole history.
	Since time.Time
}

// Button is one interactive button under a message.
type Button struct {
	// Action is ActionSignoff or ActionApprove; it comes back as Action.Name.
	Action string
	Label  string
	// Value is opaque to this package and comes back as Action.Value.
	Value string
	// Style is "", "primary" or "danger".
	Style string
}

// Post sends m and returns the channel's ID and the message's ts; pass
// that ts as ThreadTS for the release's later messages, and both to Update.
// With m.Recheck it returns an earlier post of m instead, if there is one.
func (s Slack) Post(ctx context.Context, m Message) (channel, ts string, err error) {
	if m.Recheck {
		channel, ts, err := s.earlier(ctx, m)
		switch {
		case missingScope(err):
			// A bot that may post but not read cannot tell whether an
			// earlier attempt posted: a message twice beats a gate
			// message never seen. Post.
		case err != nil:
			return "", "", fmt.Errorf("look for an earlier post of the %s %s %s message in Slack channel %s: %w", m.Product, m.Version, m.Stage, s.Channel, err)
		case ts != "":
			return channel, ts, nil
		}
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(blocks(m)...),
	}
	if m.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(m.ThreadTS))
	}
	if m.Key != "" {
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{EventType: metadataType, EventPayload: map[string]any{"key": m.Key}}))
	}
	channel, ts, err = s.Client.PostMessageContext(ctx, s.Channel, opts...)
	if err != nil {
		return "", "", fmt.Errorf("post %s %s %s message to Slack channel %s: %w", m.Product, m.Version, m.Stage, s.Channel, err)
	}
	return channel, ts, nil
}

// Update replaces the blocks of the message at ts in channel with text,
// which removes its buttons.
func (s Slack) Update(ctx context.Context, channel, ts string, text string) error {
	_, _, _, err := s.Client.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(section(text)),
	)
	if err != nil {
		return fmt.Errorf("update Slack message %s in channel %s: %w", ts, channel, err)
	}
	return nil
}

// earlier returns the channel's ID and the ts of a message carrying m.Key:
// a reply in the thread m.ThreadTS, or else a channel message newer than
// m.Since. The ts is "" if there is none.
func (s Slack) earlier(ctx context.Context, m Message) (channel, ts string, err error) {
	if m.Key == "" {
		return "", "", errors.New("the message has no Key to look for")
	}
	id, err := s.channelID(ctx)
	if err != nil {
		return "", "", err
	}
	if m.ThreadTS != "" {
		p := &slack.GetConversationRepliesParameters{ChannelID: id, Timestamp: m.ThreadTS, IncludeAllMetadata: true, Limit: pageSize}
		for {
			msgs, _, next, err := s.Client.GetConversationRepliesContext(ctx, p)
			if err != nil {
				return "", "", fmt.Errorf("read thread %s (conversations.replies; needs scopes channels:history and groups:history): %w", m.ThreadTS, err)
			}
			if ts := withKey(msgs, m.Key); ts != "" || next == "" {
				return id, ts, nil
			}
			p.Cursor = next
		}
	}
	p := &slack.GetConversationHistoryParameters{ChannelID: id, IncludeAllMetadata: true, Limit: pageSize}
	if !m.Since.IsZero() {
		p.Oldest = fmt.Sprintf("%d.%06d", m.Since.Unix(), m.Since.Nanosecond()/1000)
	}
	for {
		res, err := s.Client.GetConversationHistoryContext(ctx, p)
		if err != nil {
			return "", "", fmt.Errorf("read history (conversations.history; needs scopes channels:history and groups:history): %w", err)
		}
		if ts := withKey(res.Messages, m.Key); ts != "" || res.ResponseMetaData.NextCursor == "" {
			return id, ts, nil
		}
		p.Cursor = res.ResponseMetaData.NextCursor
	}
}

// missingScope reports whether err is Slack refusing a read the bot's
// token has no scope for.
func missingScope(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && (se.Err == "missing_scope" || se.Err == "not_allowed_token_type")
}

// withKey returns the ts of the first of msgs whose metadata carries key.
func withKey(msgs []slack.Message, key string) string {
	for _, msg := range msgs {
		if md := msg.Metadata; md.EventType == metadataType && md.EventPayload["key"] == key {
			return msg.Timestamp
		}
	}
	return ""
}

// channelID returns the ID of s.Channel, which chat.postMessage accepts as
// a name ("#releases") but conversations.* only as an ID.
func (s Slack) channelID(ctx context.Context) (string, error) {
	if isChannelID(s.Channel) {
		return s.Channel, nil
	}
	name := strings.TrimPrefix(s.Channel, "#")
	p := &slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: pageSize}
	for {
		chans, next, err := s.Client.GetConversationsContext(ctx, p)
		if err != nil {
			return "", fmt.Errorf("list channels to find the ID of %s (conversations.list; needs scopes channels:read and groups:read): %w", s.Channel, err)
		}
		for _, c := range chans {
			if c.Name == name {
				return c.ID, nil
			}
		}
		if next == "" {
			return "", fmt.Errorf("no channel named %q among the unarchived channels the bot can see; check the channel name in notifications.slack.channel, invite the bot if the channel is private, or give the channel's ID instead", name)
		}
		p.Cursor = next
	}
}

// isChannelID says whether ch looks like a Slack conversation ID (C, G or
// D followed by capital letters and digits) rather than a channel name,
// which Slack keeps lowercase.
func isChannelID(ch string) bool {
	if len(ch) < 2 || !strings.ContainsRune("CGD", rune(ch[0])) {
		return false
	}
	for _, r := range ch[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// blocks lays m out as Block Kit: the text, a context line naming the
// release, and its buttons if it has any.
func blocks(m Message) []slack.Block {
	bs := []slack.Block{section(m.Text)}

	var ctx []slack.MixedElement
	for _, s := range []string{m.Product, m.Version, m.Stage, m.State} {
		if s != "" {
			ctx = append(ctx, slack.NewTextBlockObject(slack.PlainTextType, s, false, false))
		}
	}
	if len(ctx) > 0 {
		bs = append(bs, slack.NewContextBlock("release", ctx...))
	}

	if len(m.Buttons) > 0 {
		seen := map[string]int{}
		var els []slack.BlockElement
		for _, b := range m.Buttons {
			seen[b.Action]++
			id := b.Action
			if n := seen[b.Action]; n > 1 {
				id += actionSuffix + strconv.Itoa(n)
			}
			label := slack.NewTextBlockObject(slack.PlainTextType, b.Label, false, false)
			btn := slack.NewButtonBlockElement(id, b.Value, label)
			if b.Style != "" {
				btn = btn.WithStyle(slack.Style(b.Style))
			}
			els = append(els, btn)
		}
		bs = append(bs, slack.NewActionBlock("actions", els...))
	}
	return bs
}

func section(text string) slack.Block {
	if text == "" {
		// Slack rejects a section without text.
		text = " "
	}
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, truncate(text, maxSectionText), false, false), nil, nil)
}

// truncate cuts s to at most n characters, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// actionName undoes the suffix blocks adds to repeated actions.
func actionName(actionID string) string {
	name, _, _ := strings.Cut(actionID, actionSuffix)
	return name
}
