package notify

import (
	"errors"
	"net/http"

	"github.com/slack-go/slack"
)

// Reasons a request is not accepted as coming from Slack.
var (
	errMissingSignature = errors.New("missing X-Slack-Signature or X-Slack-Request-Timestamp header: not a signed Slack request")
	errStale            = errors.New("request timestamp is more than 5 minutes from this server's clock: refused as a possible replay (check the server clock if this repeats)")
	errBadSignature     = errors.New("request signature does not match its body: not from Slack, or the Slack signing secret is wrong")
)

// verify checks Slack's v0 signature over body and that it was made
// within five minutes of now, with slack-go's SecretsVerifier.
func verify(h http.Header, body []byte, secret string) error {
	sv, err := slack.NewSecretsVerifier(h, secret)
	switch {
	case errors.Is(err, slack.ErrMissingHeaders):
		return errMissingSignature
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return errStale
	case err != nil:
		return errBadSignature
	}
	if _, err := sv.Write(body); err != nil {
		return errBadSignature
	}
	if sv.Ensure() != nil {
		return errBadSignature
	}
	return nil
}
