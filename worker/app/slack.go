package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/internal/notify"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// slackInteractions answers Slack's buttons, signoffs and canary
// decisions: the request's signature and age are checked, the Slack user is
// mapped to an approver by the release's own pipeline, and the answer goes
// through the same update as the CLI's, so Slack refuses exactly what the
// CLI refuses. With a bridge key, the request is signed for the person
// with it (the pipeline lists its public half as
// notifications.slack.bridge_key), so a release with auth: signed takes
// it as that person's, through the Slack bridge.
func slackInteractions(c client.Client, secret string, bridge control.Signer, log *slog.Logger) http.Handler {
	rs := control.Releases{Client: c, Sign: bridge}
	gate := func(value string) (workflows.GateButton, error) {
		var g workflows.GateButton
		if err := json.Unmarshal([]byte(value), &g); err != nil {
			return g, fmt.Errorf("unreadable button: %w", err)
		}
		return g, nil
	}
	return notify.Interactions{
		SigningSecret: secret,
		PersonOf: func(ctx context.Context, user, value string) string {
			g, err := gate(value)
			if err != nil {
				return ""
			}
			v, err := c.QueryWorkflow(ctx, workflows.ReleaseID(g.Product, g.Version), "", contract.QuerySlackUsers)
			if err != nil {
				log.Warn("Slack users of a release not read", "product", g.Product, "version", g.Version, "error", err)
				return ""
			}
			var users map[string]string
			if err := v.Get(&users); err != nil {
				return ""
			}
			return users[user]
		},
		Handle: func(ctx context.Context, a notify.Action) (string, error) {
			g, err := gate(a.Value)
			if err != nil {
				return "", err
			}
			if a.Name == contract.CanaryDecision {
				if g.Canary != workflows.CanaryContinue && g.Canary != workflows.CanaryRollback {
					return "", fmt.Errorf("unreadable button: canary decision %q", g.Canary)
				}
				err := rs.CanaryDecision(ctx, g.Product, g.Version, g.Env, g.Service, workflows.CanaryDecisionRequest{
					Person: a.Person, Continue: g.Canary == workflows.CanaryContinue, Reason: "decided in Slack",
				})
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s %s: canary of %s on %s: %s, decided by %s", g.Product, g.Version, g.Service, g.Env, g.Canary, a.Person), nil
			}
			_, err = rs.Send(ctx, g.Product, g.Version, contract.Signoff, workflows.SignoffRequest{
				Env: g.Env, Person: a.Person, Verdict: g.Verdict, Via: "slack",
			})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s %s: %s signed off on %s by %s", g.Product, g.Version, g.Verdict, g.Env, a.Person), nil
		},
	}
}

// slackBridge reads the Slack bridge's private key (an OpenSSH key file
// without a passphrase, readable by the notify role only) and returns a
// signer of statements with it; no file, no signer.
func slackBridge(file string) (control.Signer, error) {
	if file == "" {
		return nil, nil
	}
	signer, _, err := identity.Signer(file)
	if err != nil {
		return nil, fmt.Errorf("SLACK_BRIDGE_KEY: %w", err)
	}
	return func(st identity.Statement) (*identity.Proof, error) { return identity.Sign(st, signer) }, nil
}
