package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// DeployInput is one service's deploy of one release to one environment.
type DeployInput struct {
	Product    string             `json:"product"`
	Version    string             `json:"version"`
	Commit     string             `json:"commit"`
	RepoURL    string             `json:"repoURL"`
	Env        string             `json:"env"`
	Target     string             `json:"target"`
	Service    config.Service     `json:"service"`
	Canary     *config.Canary     `json:"canary,omitempty"`
	Artifact   contract.Artifact  `json:"artifact"`
	Migrations []config.Migration `json:"migrations,omitempty"`
	// Deciders may continue or roll back a marginal canary.
	Deciders []string `json:"deciders,omitempty"`
	// Slack is where to ask them, when the release posts to Slack.
	Slack *DeploySlack `json:"slack,omitempty"`
	// VerifyKeys are the public keys the environment accepts (its
	// verify_keys); empty accepts those its deployers trust.
	VerifyKeys []string `json:"verifyKeys,omitempty"`
}

// DeploySlack is the release's Slack thread, for a deploy's questions.
type DeploySlack struct {
	Channel  string `json:"channel"`
	TokenEnv string `json:"tokenEnv"`
	ThreadTS string `json:"threadTS,omitempty"`
}

// Deploy outcomes.
const (
	Deployed   = "deployed"
	RolledBack = "rolled-back"
)

// DeployResult is what happened to one service in one environment.
type DeployResult struct {
	Service  string             `json:"service"`
	Env      string             `json:"env"`
	Digest   string             `json:"digest"`
	Outcome  string             `json:"outcome"`
	Verdicts []contract.Verdict `json:"verdicts,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	// Phase is what the deploy is doing while it runs.
	Phase string `json:"phase,omitempty"`
}

// CanaryDecisionRequest is a person's answer to a marginal canary.
type CanaryDecisionRequest struct {
	Person string `json:"person"`
	// Continue ramps the canary on; false rolls it back.
	Continue bool   `json:"continue"`
	Reason   string `json:"reason,omitempty"`
}

// ErrRolledBack is the failure type of a deploy that was rolled back.
const ErrRolledBack = "RolledBack"

// serviceDeploy is the state of one ServiceDeployWorkflow run.
type serviceDeploy struct {
	in       DeployInput
	res      DeployResult
	log      log.Logger
	asking   bool // a marginal verdict waits for a person
	decision *CanaryDecisionRequest
}

// ServiceDeployWorkflow deploys one service to one environment: verify the
// signature, run the migrations that must precede it, deploy, take the
// canary through its steps, and smoke-test. A failed canary or smoke test
// rolls the service back; migrations are never rolled back.
func ServiceDeployWorkflow(ctx workflow.Context, in DeployInput) (DeployResult, error) {
	d := &serviceDeploy{
		in:  in,
		res: DeployResult{Service: in.Service.Name, Env: in.Env, Digest: in.Artifact.Digest},
		log: log.With(workflow.GetLogger(ctx), "product", in.Product, "version", in.Version, "env", in.Env, "service", in.Service.Name),
	}
	if err := d.listen(ctx); err != nil {
		return d.res, err
	}
	d.phase(ctx, "verify")
	err := runIn(ctx, in.Env, contract.VerifyName, contract.VerifyRequest{Product: in.Product, Version: in.Version, Commit: in.Commit, Artifact: in.Artifact, Keys: in.VerifyKeys}, nil)
	if err != nil {
		return d.res, fmt.Errorf("verify %s before deploying it: %s", in.Artifact.Ref(), cause(err))
	}
	for _, m := range in.Migrations {
		d.phase(ctx, "migrate "+m.Name)
		err := runIn(ctx, in.Env, contract.MigrateName, contract.MigrateRequest{
			Product: in.Product, Version: in.Version, Env: in.Env, Commit: in.Commit, RepoURL: in.RepoURL, Migration: m,
		}, nil)
		if err != nil {
			return d.res, fmt.Errorf("migration %s before %s: %s", m.Name, in.Service.Name, cause(err))
		}
	}

	weight := 100
	if in.Canary != nil && len(in.Canary.Steps) > 0 {
		weight = in.Canary.Steps[0].Weight
	}
	d.phase(ctx, "deploy")
	var routed contract.DeployOutcome
	err = runIn(ctx, in.Env, contract.DeployName, contract.DeployRequest{
		Product: in.Product, Version: in.Version, Env: in.Env, Target: in.Target, Service: in.Service, Artifact: in.Artifact, Weight: weight,
	}, &routed)
	if err != nil {
		return d.rollback(ctx, "deploy failed: "+cause(err))
	}
	// The first version of a service goes straight to stable: there is no
	// baseline to judge a canary against, so its steps are skipped.
	// Deploys recorded before this replay with the steps.
	if weight < 100 && !routed.Canary && workflow.GetVersion(ctx, "first-deploy-no-canary", workflow.DefaultVersion, 1) == 1 {
		weight = 100
	}
	if weight < 100 {
		if reason, ok := d.canary(ctx); !ok {
			return d.rollback(ctx, reason)
		}
	}
	d.phase(ctx, "smoke")
	if err := runIn(ctx, in.Env, contract.SmokeName, contract.SmokeRequest{Product: in.Product, Env: in.Env, Service: in.Service}, nil); err != nil {
		return d.rollback(ctx, "smoke test failed: "+cause(err))
	}
	// The previous version kept running until now, so a rollback up to
	// this point was a switch of the router; now it can go. Deploys
	// recorded before this step existed replay without it.
	if workflow.GetVersion(ctx, "retire", workflow.DefaultVersion, 1) == 1 {
		d.phase(ctx, "retire")
		err := runIn(ctx, in.Env, contract.RetireName, contract.RetireRequest{
			Product: in.Product, Env: in.Env, Target: in.Target, Service: in.Service.Name, Version: in.Version,
		}, nil)
		if err != nil {
			return d.res, fmt.Errorf("retire the versions before %s of %s: %s", in.Version, in.Service.Name, cause(err))
		}
	}
	d.res.Outcome = Deployed
	d.phase(ctx, "")
	return d.res, nil
}

// canary ramps through the steps, judging each; it returns why it failed.
func (d *serviceDeploy) canary(ctx workflow.Context) (string, bool) {
	c := d.in.Canary
	for i, step := range c.Steps {
		if i > 0 {
			d.phase(ctx, fmt.Sprintf("canary %d%%", step.Weight))
			if err := d.traffic(ctx, step.Weight); err != nil {
				return "set canary weight: " + cause(err), false
			}
		}
		d.phase(ctx, fmt.Sprintf("canary %d%%: pause %s", step.Weight, step.Pause))
		if err := workflow.Sleep(ctx, step.Pause); err != nil {
			return "canary interrupted: " + err.Error(), false
		}
		v, err := d.analyze(ctx, i, 0)
		if err != nil {
			return "canary analysis: " + cause(err), false
		}
		// Too little traffic to judge is not a reason to wake a person
		// yet: watch the step longer and judge the whole time since its
		// pause began.
		if v.NoData && workflow.GetVersion(ctx, "canary-extend", workflow.DefaultVersion, 1) == 1 {
			for n := 1; v.NoData && n <= canaryExtensions; n++ {
				d.phase(ctx, fmt.Sprintf("canary %d%%: too little traffic to judge in %s; watching %s more (%d of %d)", step.Weight, v.Window, step.Pause, n, canaryExtensions))
				if err := workflow.Sleep(ctx, step.Pause); err != nil {
					return "canary interrupted: " + err.Error(), false
				}
				if v, err = d.analyze(ctx, i, time.Duration(n+1)*step.Pause); err != nil {
					return "canary analysis: " + cause(err), false
				}
			}
		}
		switch v.Class {
		case contract.Pass:
		case contract.Marginal:
			if reason, ok := d.ask(ctx, v); !ok {
				return reason, false
			}
		default:
			return fmt.Sprintf("canary failed at %d%% (score %.0f): %s", step.Weight, v.Score, v.Detail), false
		}
	}
	d.phase(ctx, "promote")
	if err := d.traffic(ctx, 100); err != nil {
		return "promote canary: " + cause(err), false
	}
	return "", true
}

// canaryExtensions is how many more pauses a canary step with too little
// traffic to judge is watched before a person is asked.
const canaryExtensions = 3

// analyze judges step i over window (0: the step's pause) and records the verdict.
func (d *serviceDeploy) analyze(ctx workflow.Context, i int, window time.Duration) (contract.Verdict, error) {
	step := d.in.Canary.Steps[i]
	var v contract.Verdict
	err := runIn(ctx, d.in.Env, contract.AnalyzeName, contract.AnalyzeRequest{Product: d.in.Product, Env: d.in.Env, Service: d.in.Service.Name, Canary: *d.in.Canary, Step: i, Window: window}, &v)
	if err != nil {
		return v, err
	}
	v.Step, v.Weight = i, step.Weight
	d.res.Verdicts = append(d.res.Verdicts, v)
	d.log.Info("canary verdict", "step", i, "weight", step.Weight, "class", v.Class, "score", v.Score, "noData", v.NoData)
	return v, nil
}

// ask waits for a person to decide on a marginal verdict; no answer in time rolls back.
func (d *serviceDeploy) ask(ctx workflow.Context, v contract.Verdict) (string, bool) {
	d.asking = true
	d.decision = nil
	defer func() { d.asking = false }()
	timeout := d.in.Canary.DecisionTimeout
	why := fmt.Sprintf("score %.0f", v.Score)
	if v.NoData {
		why = fmt.Sprintf("score %.0f, too little traffic to judge in %s", v.Score, v.Window)
	}
	d.phase(ctx, fmt.Sprintf("canary %d%% marginal (%s): waiting up to %s for a decision", v.Weight, why, timeout))
	var question contract.NotifyResult
	s := d.in.Slack
	if s != nil && workflow.GetVersion(ctx, "canary-ask-slack", workflow.DefaultVersion, 1) == 1 {
		question = d.askSlack(ctx, s, v, why, timeout)
	}
	ok, err := workflow.AwaitWithTimeout(ctx, timeout, func() bool { return d.decision != nil })
	reason := ""
	switch {
	case err != nil:
		return "canary interrupted: " + err.Error(), false
	case !ok:
		reason = fmt.Sprintf("canary marginal at %d%% (score %.0f) and nobody decided within %s", v.Weight, v.Score, timeout)
	case !d.decision.Continue:
		reason = fmt.Sprintf("canary marginal at %d%% (score %.0f); %s chose to roll back: %s", v.Weight, v.Score, d.decision.Person, d.decision.Reason)
	}
	if question.TS != "" {
		// The question is answered: its buttons go.
		answer := "rolls back: " + reason
		if reason == "" {
			answer = fmt.Sprintf("%s chose to continue", d.decision.Person)
		}
		d.notify(ctx, s, contract.NotifyRequest{Channel: question.Channel, Replace: question.TS,
			Text: fmt.Sprintf("%s %s: the canary of %s on %s at %d%%: %s", d.in.Product, d.in.Version, d.in.Service.Name, d.in.Env, v.Weight, answer)})
	}
	return reason, reason == ""
}

// askSlack posts the question in the release's thread, with a button for
// each answer. A message that cannot be posted is logged: the decision can
// still come from the CLI or the Temporal UI.
func (d *serviceDeploy) askSlack(ctx workflow.Context, s *DeploySlack, v contract.Verdict, why string, timeout time.Duration) contract.NotifyResult {
	button := func(answer, label, style string) contract.NotifyButton {
		value, _ := json.Marshal(GateButton{Product: d.in.Product, Version: d.in.Version, Env: d.in.Env, Service: d.in.Service.Name, Canary: answer})
		return contract.NotifyButton{Action: contract.CanaryDecision, Label: label, Value: string(value), Style: style}
	}
	text := fmt.Sprintf("%s %s: the canary of %s on %s at %d%% is marginal (%s). Continue or roll back? With no decision in %s it rolls back. %s",
		d.in.Product, d.in.Version, d.in.Service.Name, d.in.Env, v.Weight, why, timeout, v.Detail)
	return d.notify(ctx, s, contract.NotifyRequest{
		Channel: s.Channel, Text: text, ThreadTS: s.ThreadTS,
		Buttons: []contract.NotifyButton{button(CanaryContinue, "Continue", "primary"), button(CanaryRollback, "Roll back", "danger")},
	})
}

// notify posts (or replaces) a message in the release's Slack thread; one
// that fails is logged, as the decision can come another way.
func (d *serviceDeploy) notify(ctx workflow.Context, s *DeploySlack, req contract.NotifyRequest) contract.NotifyResult {
	req.Product, req.Version, req.TokenEnv, req.Stage = d.in.Product, d.in.Version, s.TokenEnv, "canary"
	var res contract.NotifyResult
	if err := run(ctx, contract.NotifyName, req, &res); err != nil {
		d.log.Warn("canary question not posted to Slack", "error", err)
	}
	return res
}

func (d *serviceDeploy) traffic(ctx workflow.Context, weight int) error {
	return runIn(ctx, d.in.Env, contract.TrafficName, contract.TrafficRequest{Product: d.in.Product, Env: d.in.Env, Service: d.in.Service.Name, Weight: weight}, nil)
}

// rollback returns the service to its stable version and fails the deploy.
// It runs even if the workflow is being cancelled, so nothing is left half-done.
func (d *serviceDeploy) rollback(ctx workflow.Context, reason string) (DeployResult, error) {
	d.phase(ctx, "rollback")
	d.log.Warn("rolling back", "reason", reason)
	rctx, _ := workflow.NewDisconnectedContext(ctx)
	err := runIn(rctx, d.in.Env, contract.RollbackName, contract.RollbackRequest{
		Product: d.in.Product, Env: d.in.Env, Target: d.in.Target, Service: d.in.Service.Name, Version: d.in.Version, Reason: reason,
	}, nil)
	if err != nil {
		return d.res, fmt.Errorf("%s; the rollback failed too: %s", reason, cause(err))
	}
	d.res.Outcome = RolledBack
	d.res.Reason = reason
	d.phase(ctx, "")
	return d.res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s on %s rolled back: %s", d.in.Service.Name, d.in.Env, reason), ErrRolledBack, nil, d.res)
}

// phase records what the deploy is doing, for its status query and, as
// its current details, for the Temporal UI.
func (d *serviceDeploy) phase(ctx workflow.Context, p string) {
	d.res.Phase = p
	now := p
	if now == "" {
		now = d.res.Outcome
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s %s** to %s: %s", d.in.Service.Name, d.in.Version, d.in.Env, now))
}

// listen registers the status query and the canary decision.
func (d *serviceDeploy) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (DeployResult, error) { return d.res, nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.CanaryDecision,
		func(ctx workflow.Context, req CanaryDecisionRequest) (DeployResult, error) {
			d.decision = &req
			return d.res, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, req CanaryDecisionRequest) error {
			if !d.asking {
				return fmt.Errorf("the canary of %s on %s is not waiting for a decision (phase: %s)", d.in.Service.Name, d.in.Env, d.res.Phase)
			}
			if !slices.Contains(d.in.Deciders, req.Person) {
				return fmt.Errorf("%s may not decide on this canary (allowed: the release manager and the %s approvers)", req.Person, d.in.Env)
			}
			return nil
		}},
	)
}
