package workflows

import (
	"strings"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// channels fills req with the pipeline's channels (Slack, the webhook)
// and reports whether it has any. The workflows say what happened; the
// Notify activity knows how each channel says it.
func channels(n config.Notifications, req *contract.NotifyRequest) bool {
	if s := n.Slack; s != nil {
		req.Channel, req.TokenEnv = s.Channel, s.TokenEnv
	}
	if w := n.Webhook; w != nil {
		req.Webhook = &contract.Webhook{URL: w.URL, SecretEnv: w.SecretEnv}
	}
	return req.Channel != "" || req.Webhook != nil
}

// channelNames says where messages go, for a stage's detail.
func channelNames(n config.Notifications) string {
	var names []string
	if n.Slack != nil {
		names = append(names, n.Slack.Channel)
	}
	if n.Webhook != nil {
		names = append(names, "the webhook")
	}
	return strings.Join(names, " and ")
}
