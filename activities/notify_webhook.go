package activities

import (
	"context"
	"errors"
	"os"

	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/notify"
)

// webhook sends the message as a CloudEvent to the pipeline's webhook,
// signed with the secret the worker holds. Its ID names this activity, so
// every retry (on this worker or another, after a crash) resends the same
// event, which the receiver takes once.
func (n *Notifier) webhook(ctx context.Context, req contract.NotifyRequest) error {
	w := req.Webhook
	secret := os.Getenv(w.SecretEnv)
	if secret == "" {
		return badInput("notify %s %s: %s is not set on the worker; set it to the webhook's signing secret", req.Product, req.Version, w.SecretEnv)
	}
	info := activity.GetInfo(ctx)
	event := req.Event
	if event == "" {
		event = req.Stage
	}
	e := notify.Event{
		SpecVersion: "1.0",
		ID:          info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID + "/" + info.ActivityID,
		Source:      "signalman/" + req.Product,
		Type:        notify.EventType(event),
		Subject:     req.Version,
		// The first attempt's scheduled time: the same on every retry.
		Time:            info.ScheduledTime.UTC(),
		DataContentType: "application/json",
		Data:            notify.EventData{Product: req.Product, Version: req.Version, Stage: req.Stage, Text: req.Text, OnCall: req.OnCall},
	}
	err := notify.SendWebhook(ctx, n.HTTP, w.URL, secret, e)
	var permanent *notify.PermanentError
	if errors.As(err, &permanent) {
		return badInput("notify %s %s: %v", req.Product, req.Version, err)
	}
	return err
}
