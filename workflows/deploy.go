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
	"github.com/signalman/signalman/internal/identity"
)

// DeployInput is one service's deploy of one release to one environment.
type DeployInput struct {
	Product    string             `json:"product"`
	Version    string             `json:"version"`
	Commit     string             `json:"commit"`
	RepoURL    string             `json:"repoURL"`
	Env        string             `json:"env"`
	Target     string             `json:"target"`
	Script     *config.Script     `json:"script,omitempty"`
	Service    config.Service     `json:"service"`
	Canary     *config.Canary     `json:"canary,omitempty"`
	Artifact   contract.Artifact  `json:"artifact"`
	Migrations []config.Migration `json:"migrations,omitempty"`
	// Deciders may continue or roll back a marginal canary.
	Deciders []string `json:"deciders,omitempty"`
	// Trust is what their decisions are verified against.
	Trust Trust `json:"trust,omitempty"`
	// Slack is where to ask them, when the release posts to Slack.
	Slack *DeploySlack `json:"slack,omitempty"`
	// VerifyKeys are the public keys the environment accepts (its
	// verify_keys); empty accepts those its deployers trust.
	VerifyKeys []string `json:"verifyKeys,omitempty"`
	// Bake is how long the previous version keeps running after the
	// canary took all the traffic, while the judge watches the new one.
	Bake time.Duration `json:"bake,omitempty"`
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
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// ErrRolledBack is the failure type of a deploy that was rolled back.
const ErrRolledBack = "RolledBack"

// serviceDeploy is the state of one ServiceDeployWorkflow run.
type serviceDeploy struct {
	in     DeployInput
	res    DeployResult
	log    log.Logger
	asking bool // a marginal verdict waits for a person
	// baking is true during a bake that a person may end with a
	// rollback (a switch of the router back to the previous version).
	baking   bool
	decision *CanaryDecisionRequest
	sigs     *signatures
	// full is when the canary took all the traffic.
	full time.Time
}

// ServiceDeployWorkflow deploys one service to one environment: verify the
// signature, run the migrations that must precede it, deploy, take the
// canary through its steps, and smoke-test. A failed canary or smoke test
// rolls the service back; migrations are never rolled back.
func ServiceDeployWorkflow(ctx workflow.Context, in DeployInput) (DeployResult, error) {
	d := &serviceDeploy{
		in:   in,
		res:  DeployResult{Service: in.Service.Name, Env: in.Env, Digest: in.Artifact.Digest},
		log:  log.With(workflow.GetLogger(ctx), "product", in.Product, "version", in.Version, "env", in.Env, "service", in.Service.Name),
		sigs: newSignatures(in.Trust, in.Product, nil),
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
	// The new version starts with no user traffic and is smoke-tested
	// alone through the router's test route; only then does it take its
	// first share. Deploys recorded before the test route replay without.
	testRoute := workflow.GetVersion(ctx, "test-route", workflow.DefaultVersion, 1) == 1
	first := weight
	if testRoute {
		first = 0
	}
	d.phase(ctx, "deploy")
	var routed contract.DeployOutcome
	err = runIn(ctx, in.Env, contract.DeployName, contract.DeployRequest{
		Product: in.Product, Version: in.Version, Env: in.Env, Target: in.Target, Script: in.Script, Service: in.Service, Artifact: in.Artifact, Weight: first,
	}, &routed)
	if err != nil {
		return d.rollback(ctx, "deploy failed: "+cause(err))
	}
	if testRoute && routed.Canary {
		d.phase(ctx, "smoke through the test route")
		err := runIn(ctx, in.Env, contract.SmokeName, contract.SmokeRequest{Product: in.Product, Env: in.Env, Service: in.Service, Route: contract.RouteCanary}, nil)
		if err != nil {
			return d.rollback(ctx, "test route: smoke test failed before any user traffic: "+cause(err))
		}
		if err := d.traffic(ctx, weight); err != nil {
			return d.rollback(ctx, "set canary weight: "+cause(err))
		}
	}
	if testRoute && !routed.Canary {
		// The first version of a service went straight to stable.
		weight = 100
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
	// Deploys recorded before the bake replay without it.
	if in.Bake > 0 && !d.full.IsZero() && workflow.GetVersion(ctx, "bake", workflow.DefaultVersion, 1) == 1 {
		if reason, ok := d.bake(ctx); !ok {
			return d.rollback(ctx, "bake: "+reason)
		}
	}
	// The previous version kept running until now, so a rollback up to
	// this point was a switch of the router; now it can go. Deploys
	// recorded before this step existed replay without it.
	if workflow.GetVersion(ctx, "retire", workflow.DefaultVersion, 1) == 1 {
		d.phase(ctx, "retire")
		err := runIn(ctx, in.Env, contract.RetireName, contract.RetireRequest{
			Product: in.Product, Env: in.Env, Target: in.Target, Script: in.Script, Service: in.Service.Name, Version: in.Version,
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
	d.full = workflow.Now(ctx)
	return "", true
}

// bake keeps the previous version running for the bake period after full
// traffic, judging the new version twice every analysis interval (the
// last canary step's pause), each time over the interval just ended,
// against the previous version's last baseline. A failing verdict ends
// it: the caller switches the router back.
func (d *serviceDeploy) bake(ctx workflow.Context) (string, bool) {
	c := d.in.Canary
	last := len(c.Steps) - 1
	every := c.Steps[last].Pause
	end := d.full.Add(d.in.Bake)
	// A person's rollback during the bake switches the router back at
	// once. Deploys recorded before it replay without.
	if workflow.GetVersion(ctx, "bake-rollback", workflow.DefaultVersion, 1) == 1 {
		d.baking, d.decision = true, nil
		defer func() { d.baking = false }()
	}
	// Judged twice an interval, each time over the interval just ended,
	// a degradation that starts just before a verdict (too few of its
	// requests to fail it) is caught half an interval later, not a whole
	// one. Deploys recorded before judge once an interval.
	step := every
	if workflow.GetVersion(ctx, "bake-half-interval", workflow.DefaultVersion, 1) == 1 {
		step = every / 2
	}
	for {
		now := workflow.Now(ctx)
		if !now.Before(end) {
			return "", true
		}
		d.phase(ctx, fmt.Sprintf("bake: %s of %s at full traffic, the previous version still running", now.Sub(d.full).Round(time.Second), d.in.Bake))
		if d.baking {
			if _, err := workflow.AwaitWithTimeout(ctx, min(step, end.Sub(now)), func() bool { return d.decision != nil }); err != nil {
				return "bake interrupted: " + err.Error(), false
			}
			if r := d.decision; r != nil {
				why := fmt.Sprintf("%s rolled it back during the bake", r.Person)
				if r.Reason != "" {
					why += ": " + r.Reason
				}
				return why, false
			}
		} else if err := workflow.Sleep(ctx, min(step, end.Sub(now))); err != nil {
			return "bake interrupted: " + err.Error(), false
		}
		var v contract.Verdict
		err := runIn(ctx, d.in.Env, contract.AnalyzeName, contract.AnalyzeRequest{
			Product: d.in.Product, Env: d.in.Env, Service: d.in.Service.Name, Canary: *c, Step: last, Window: every, Baseline: d.full,
		}, &v)
		if err != nil {
			return "analysis: " + cause(err), false
		}
		v.Step, v.Weight, v.Bake = last, 100, true
		d.res.Verdicts = append(d.res.Verdicts, v)
		d.log.Info("bake verdict", "class", v.Class, "score", v.Score, "noData", v.NoData)
		if v.Class == contract.Fail {
			return fmt.Sprintf("degraded %s after taking all the traffic, against the previous version's last baseline (score %.0f): %s",
				workflow.Now(ctx).Sub(d.full).Round(time.Second), v.Score, v.Detail), false
		}
	}
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
	return runIn(ctx, d.in.Env, contract.TrafficName, contract.TrafficRequest{Product: d.in.Product, Env: d.in.Env, Target: d.in.Target, Script: d.in.Script, Service: d.in.Service.Name, Weight: weight}, nil)
}

// rollback returns the service to its stable version and fails the deploy.
// It runs even if the workflow is being cancelled, so nothing is left half-done.
func (d *serviceDeploy) rollback(ctx workflow.Context, reason string) (DeployResult, error) {
	d.phase(ctx, "rollback")
	d.log.Warn("rolling back", "reason", reason)
	rctx, _ := workflow.NewDisconnectedContext(ctx)
	err := runIn(rctx, d.in.Env, contract.RollbackName, contract.RollbackRequest{
		Product: d.in.Product, Env: d.in.Env, Target: d.in.Target, Script: d.in.Script, Service: d.in.Service.Name, Version: d.in.Version, Reason: reason,
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
			if _, err := d.sigs.accept(ctx, contract.CanaryDecision, req); err != nil {
				return d.res, err
			}
			d.decision = &req
			return d.res, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req CanaryDecisionRequest) error {
			if _, err := d.sigs.check(ctx, contract.CanaryDecision, req); err != nil {
				return fmt.Errorf("canary decision refused for %s: %w", req.Person, err)
			}
			if d.baking && !d.asking {
				if req.Continue {
					return fmt.Errorf("%s on %s is baking, not waiting for a decision; during the bake only a rollback may be asked for", d.in.Service.Name, d.in.Env)
				}
				if !slices.Contains(d.in.Deciders, req.Person) {
					return fmt.Errorf("%s may not roll back this deploy (allowed: the release manager, the %s approvers and those who approve exceptions)", req.Person, d.in.Env)
				}
				return nil
			}
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
