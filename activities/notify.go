package activities

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/notify"
)

// clockSkew widens the search for an earlier post of a message: Slack
// stamps messages by its own clock, the activity's scheduled time comes
// from the Temporal server's, and the two may disagree.
const clockSkew = 10 * time.Minute

// Notifier posts release messages to Slack. The bot token is read from the
// worker's environment at run time, under the name the pipeline gives.
type Notifier struct {
	// APIURL overrides Slack's API address (tests point it at slacktest).
	APIURL string
	// HTTP sends webhooks; nil means http.DefaultClient.
	HTTP *http.Client
}

// Notify sends one message to every channel the request names: Slack and
// the outgoing webhook, each in a file of its own. A channel that fails
// fails the attempt, and the retry sends again; each channel makes its
// sends once-only (Slack looks for its earlier post, a webhook event keeps
// its ID). The result is Slack's message, for threading and replacing.
func (n *Notifier) Notify(ctx context.Context, req contract.NotifyRequest) (contract.NotifyResult, error) {
	if req.Channel == "" && req.Webhook == nil {
		return contract.NotifyResult{}, badInput("notify %s %s: no channel configured (notifications.slack or notifications.webhook)", req.Product, req.Version)
	}
	var res contract.NotifyResult
	if req.Channel != "" {
		r, err := n.slack(ctx, req)
		if err != nil {
			return res, err
		}
		res = r
	}
	if req.Webhook != nil && req.Replace == "" {
		if err := n.webhook(ctx, req); err != nil {
			return res, err
		}
	}
	return res, nil
}

// slack posts one message, with its buttons, in the release's thread, or
// replaces an earlier one (req.Replace).
// It posts at most once across retries: the message carries a key naming
// this activity, and a retry first looks for a message with that key, in
// case an earlier attempt posted it but did not live to report the ts.
func (n *Notifier) slack(ctx context.Context, req contract.NotifyRequest) (contract.NotifyResult, error) {
	if len(req.OnCall) > 0 {
		req.Text += "\nOn call: " + strings.Join(req.OnCall, ", ")
	}
	token := os.Getenv(req.TokenEnv)
	if token == "" {
		return contract.NotifyResult{}, badInput("notify %s %s: %s is not set on the worker; set it to the Slack bot token", req.Product, req.Version, req.TokenEnv)
	}
	var opts []slack.Option
	if n.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(n.APIURL))
	}
	s := notify.Slack{Client: slack.New(token, opts...), Channel: req.Channel}
	if req.Replace != "" {
		// Replacing is idempotent: a retry replaces it with the same.
		if err := s.Update(ctx, req.Channel, req.Replace, req.Text); err != nil {
			return contract.NotifyResult{}, err
		}
		return contract.NotifyResult{Channel: req.Channel, TS: req.Replace}, nil
	}
	info := activity.GetInfo(ctx)
	m := notify.Message{
		Product: req.Product, Version: req.Version, Stage: req.Stage, Text: req.Text, ThreadTS: req.ThreadTS,
		// IDs only: the key is visible to everyone in the channel.
		Key: info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID + "/" + info.ActivityID,
		// A first attempt cannot have posted before.
		Recheck: info.Attempt > 1,
	}
	if !info.ScheduledTime.IsZero() {
		// ScheduledTime is when the first attempt was scheduled (the
		// server takes it from the ActivityTaskScheduled event, not from
		// this attempt's retry), so no attempt posted before it.
		m.Since = info.ScheduledTime.Add(-clockSkew)
	}
	for _, b := range req.Buttons {
		m.Buttons = append(m.Buttons, notify.Button{Action: b.Action, Label: b.Label, Value: b.Value, Style: b.Style})
	}
	channel, ts, err := s.Post(ctx, m)
	if err != nil {
		return contract.NotifyResult{}, fmt.Errorf("post to Slack channel %s: %w", req.Channel, err)
	}
	return contract.NotifyResult{Channel: channel, TS: ts}, nil
}
