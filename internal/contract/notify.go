package contract

// NotifyRequest is one message about a release, sent to every channel the
// pipeline has: Slack (Channel, TokenEnv) and an outgoing webhook. The
// workflows name no channel's API: a message has a text, maybe buttons,
// what happened (Event) and who is on call; each channel renders it.
type NotifyRequest struct {
	Product string `json:"product"`
	Version string `json:"version"`
	// Channel and TokenEnv are the Slack channel and the environment
	// variable holding the bot token; empty, no Slack.
	Channel  string `json:"channel"`
	TokenEnv string `json:"tokenEnv"`
	// Webhook is the outgoing webhook; nil, none.
	Webhook *Webhook `json:"webhook,omitempty"`
	Text    string   `json:"text"`
	Stage   string   `json:"stage,omitempty"`
	// Event says what happened, for receivers that route on it (a pager
	// pages on EventRollback): a CloudEvent's type ends with it.
	Event string `json:"event,omitempty"`
	// OnCall are the people on call, named in the message and sent it.
	OnCall []string `json:"onCall,omitempty"`
	// ThreadTS is the opaque handle of the release's conversation, as the
	// first message's NotifyResult gave it.
	ThreadTS string `json:"threadTS,omitempty"`
	// Buttons let people act on the message (a gate's approvals).
	Buttons []NotifyButton `json:"buttons,omitempty"`
	// Replace is the handle of an earlier message to replace with Text
	// (and no buttons) rather than post a new one; Channel is then the ID
	// a NotifyResult gave.
	Replace string `json:"replace,omitempty"`
}

// Webhook is where and how an outgoing webhook is sent.
type Webhook struct {
	URL string `json:"url"`
	// SecretEnv names the environment variable holding the HMAC secret.
	SecretEnv string `json:"secretEnv"`
}

// Events a message can be about (NotifyRequest.Event); others are stages.
const (
	EventDeployed   = "deployed"
	EventFailed     = "failed"
	EventRollback   = "rollback"
	EventBakeSwitch = "bake-switched"
	EventFreeze     = "freeze"
	EventTrain      = "train"
	EventCanary     = "canary"
)

// NotifyButton is one button of a message; Value comes back with the press.
type NotifyButton struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	Value  string `json:"value"`
	Style  string `json:"style,omitempty"`
}

// NotifyResult identifies the posted message, for threading and replacing.
type NotifyResult struct {
	// Channel is the channel's ID, which replacing the message needs.
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts"`
}
