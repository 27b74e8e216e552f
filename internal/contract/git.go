package contract

// TagRequest asks for an annotated release tag on a commit, pushed to the
// product's remote.
type TagRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	// Ref is the commit or branch to tag.
	Ref     string `json:"ref"`
	Tag     string `json:"tag"`
	Message string `json:"message"`
}

// TagResult says which commit the tag points at.
type TagResult struct {
	Commit string `json:"commit"`
	// Created is false when the tag already existed at the same commit.
	Created bool `json:"created"`
}

// TestRequest runs the product's test command in a clean checkout of a tag.
type TestRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	Tag     string `json:"tag"`
	Commit  string `json:"commit"`
	Command string `json:"command"`
	// TimeoutSeconds bounds the run.
	TimeoutSeconds int `json:"timeoutSeconds"`
}

// TestResult is the summary of a passing run.
type TestResult struct {
	Seconds float64  `json:"seconds"`
	Tail    []string `json:"tail,omitempty"`
}

// NotifyRequest posts a message about a release.
type NotifyRequest struct {
	Product string `json:"product"`
	Version string `json:"version"`
	Channel string `json:"channel"`
	// TokenEnv names the environment variable holding the bot token.
	TokenEnv string `json:"tokenEnv"`
	Text     string `json:"text"`
	Stage    string `json:"stage,omitempty"`
	// ThreadTS threads the message under the release's first one.
	ThreadTS string `json:"threadTS,omitempty"`
	// Buttons let people act on the message (a gate's approvals).
	Buttons []NotifyButton `json:"buttons,omitempty"`
	// Replace is the ts of an earlier message to replace with Text (and
	// no buttons) rather than post a new one; Channel is then the ID a
	// NotifyResult gave.
	Replace string `json:"replace,omitempty"`
}

// NotifyButton is one button of a message; Value comes back with the press.
type NotifyButton struct {
	Action string `json:"action"`
	Label  string `json:"label"`
	Value  string `json:"value"`
	Style  string `json:"style,omitempty"`
}

// NotifyResult identifies the posted message.
type NotifyResult struct {
	// Channel is the channel's ID, which replacing the message needs.
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts"`
}
