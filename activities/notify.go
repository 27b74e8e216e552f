package activities

import (
	"context"
	"fmt"
	"os"

	"github.com/slack-go/slack"

	"github.com/signalman/signalman/internal/notify"
)

// Notifier posts release messages to Slack. The bot token is read from the
// worker's environment at run time, under the name the pipeline gives.
type Notifier struct {
	// APIURL overrides Slack's API address (tests point it at slacktest).
	APIURL string
}

// Notify posts one message, with its buttons, in the release's thread.
func (n *Notifier) Notify(ctx context.Context, req NotifyRequest) (NotifyResult, error) {
	if req.Channel == "" {
		return NotifyResult{}, badInput("notify %s %s: no Slack channel configured", req.Product, req.Version)
	}
	token := os.Getenv(req.TokenEnv)
	if token == "" {
		return NotifyResult{}, badInput("notify %s %s: %s is not set on the worker; set it to the Slack bot token", req.Product, req.Version, req.TokenEnv)
	}
	var opts []slack.Option
	if n.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(n.APIURL))
	}
	m := notify.Message{Product: req.Product, Version: req.Version, Stage: req.Stage, Text: req.Text, ThreadTS: req.ThreadTS}
	for _, b := range req.Buttons {
		m.Buttons = append(m.Buttons, notify.Button{Action: b.Action, Label: b.Label, Value: b.Value, Style: b.Style})
	}
	ts, err := notify.Slack{Client: slack.New(token, opts...), Channel: req.Channel}.Post(ctx, m)
	if err != nil {
		return NotifyResult{}, fmt.Errorf("post to Slack channel %s: %w", req.Channel, err)
	}
	return NotifyResult{TS: ts}, nil
}
