// Package notify posts release messages to Slack and serves Slack's
// interactivity endpoint so approvers can sign off from a button.
package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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

// Message is one update about a release.
type Message struct {
	Product, Version, Stage, State, Text string
	// ThreadTS is the ts of the release's first message; "" starts the thread.
	ThreadTS string
	Buttons  []Button
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

// Post sends m and returns its ts; pass that ts as ThreadTS for the
// release's later messages.
func (s Slack) Post(ctx context.Context, m Message) (ts string, err error) {
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.Text, false),
		slack.MsgOptionBlocks(blocks(m)...),
	}
	if m.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(m.ThreadTS))
	}
	_, ts, err = s.Client.PostMessageContext(ctx, s.Channel, opts...)
	if err != nil {
		return "", fmt.Errorf("post %s %s %s message to Slack channel %s: %w", m.Product, m.Version, m.Stage, s.Channel, err)
	}
	return ts, nil
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
