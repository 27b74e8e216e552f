package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// maxRefusals bounds the refused signals kept in the status.
const maxRefusals = 20

// request is what every message carries: who sent it.
type request interface{ who() string }

func (r SignoffRequest) who() string  { return r.Person }
func (r OverrideRequest) who() string { return r.Person }
func (r DecisionRequest) who() string { return r.Person }
func (r AbortRequest) who() string    { return r.Person }

// listen registers the status query and every gate as both an update (its
// validator refuses a wrong request at once) and a signal (a wrong one is
// refused into the status, as a signal has no one to answer).
func (r *release) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (Status, error) {
		st := r.st
		st.Local = r.local.list()
		return st, nil
	}); err != nil {
		return err
	}
	// The Slack endpoint asks which approver a Slack user is, as this
	// release's pipeline says.
	err := workflow.SetQueryHandler(ctx, contract.QuerySlackUsers, func() (map[string]string, error) {
		if s := r.in.Pipeline.Notifications.Slack; s != nil {
			return s.Users, nil
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	sel := workflow.NewSelector(ctx)
	if err := handle(ctx, r, sel, contract.Signoff, r.checkSignoff, r.signoff); err != nil {
		return err
	}
	if err := handle(ctx, r, sel, contract.OverrideWindow, r.checkOverride, r.override); err != nil {
		return err
	}
	if err := handle(ctx, r, sel, contract.AllowVulnerabilities, r.checkVulnException, r.allowVulns); err != nil {
		return err
	}
	if err := handle(ctx, r, sel, contract.Decide, r.checkDecision, r.decide); err != nil {
		return err
	}
	if err := handle(ctx, r, sel, contract.Abort, r.checkAbort, r.abort); err != nil {
		return err
	}
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.Supersede), func(c workflow.ReceiveChannel, _ bool) {
		var req SupersedeRequest
		c.Receive(ctx, &req)
		if r.superseded == nil {
			r.superseded = &req
		}
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, contract.FreezeLifted), func(c workflow.ReceiveChannel, _ bool) {
		var lifted contract.Freeze
		c.Receive(ctx, &lifted)
		r.lifted = &lifted
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			sel.Select(ctx)
		}
	})
	return nil
}

// handle registers one message as an update and a signal sharing one
// validator and one effect.
// Both verify the person's signature first (auth: signed): a request
// signed by someone else, for another release or gate, expired or used
// before is refused with why, and so is an unsigned one.
func handle[T Signed](ctx workflow.Context, r *release, sel workflow.Selector, name string, check func(workflow.Context, T) error, apply func(workflow.Context, T, *Approval)) error {
	valid := func(ctx workflow.Context, req T) error {
		if _, err := r.sigs.check(ctx, name, req); err != nil {
			return fmt.Errorf("%s refused for %s: %w", name, req.who(), err)
		}
		return check(ctx, req)
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, req T) (Status, error) {
			a, err := r.sigs.accept(ctx, name, req)
			if err != nil {
				return r.st, err
			}
			apply(ctx, req, a)
			return r.st, nil
		},
		workflow.UpdateHandlerOptions{Validator: valid},
	)
	if err != nil {
		return err
	}
	sel.AddReceive(workflow.GetSignalChannel(ctx, name), func(c workflow.ReceiveChannel, _ bool) {
		var req T
		c.Receive(ctx, &req)
		if err := valid(ctx, req); err != nil {
			r.refuse(ctx, name, req.who(), err)
			return
		}
		a, _ := r.sigs.accept(ctx, name, req)
		apply(ctx, req, a)
	})
	return nil
}

// refuse records a refused signal.
func (r *release) refuse(ctx workflow.Context, name, person string, err error) {
	r.log.Warn("signal refused", "message", name, "person", person, "reason", err.Error())
	r.st.Refusals = append(r.st.Refusals, Refusal{Message: name, Person: person, Reason: err.Error(), At: workflow.Now(ctx)})
	if n := len(r.st.Refusals); n > maxRefusals {
		r.st.Refusals = r.st.Refusals[n-maxRefusals:]
	}
}

// gate returns the signoff rules of an environment.
func (r *release) gate(env string) gate {
	return gate{env: env, required: r.in.Pipeline.Environments[env].Signoffs, approvers: r.in.Pipeline.Approvers}
}

func (r *release) checkSignoff(_ workflow.Context, req SignoffRequest) error {
	if err := r.checkOpen(); err != nil {
		return err
	}
	if _, ok := r.in.Pipeline.Environments[req.Env]; !ok {
		return fmt.Errorf("environment %q has no signoff gate: it is not one of %s's environments (%s)", req.Env, r.st.Product, strings.Join(r.in.Pipeline.EnvNames(), ", "))
	}
	if r.gateOn != req.Env {
		return fmt.Errorf("the %s signoff gate of %s %s is not open (the release is at %s, %s); sign off when status shows the gate waiting",
			req.Env, r.st.Product, r.st.Version, r.st.Stage, r.stageState())
	}
	if err := checkVerdict(req); err != nil {
		return err
	}
	_, err := r.gate(req.Env).roleFor(req, r.st.Signoffs, r.in.TriggeredBy)
	return err
}

func (r *release) signoff(ctx workflow.Context, req SignoffRequest, a *Approval) {
	role, _ := r.gate(req.Env).roleFor(req, r.st.Signoffs, r.in.TriggeredBy)
	rec := SignoffRecord{Env: req.Env, Role: role, Person: req.Person, Verdict: req.Verdict, Reason: req.Reason, Via: req.Via, At: workflow.Now(ctx), Auth: a}
	r.st.Signoffs = append(r.st.Signoffs, rec)
	r.log.Info("signoff", "env", req.Env, "role", role, "person", req.Person, "verdict", req.Verdict)
	if req.Verdict != Green {
		r.held = &rec
	}
}

func (r *release) checkOverride(ctx workflow.Context, req OverrideRequest) error {
	if err := r.checkOpen(); err != nil {
		return err
	}
	if !slices.Contains(ExceptionReasons, req.Reason) {
		return fmt.Errorf("exception reason %q is not one of %s", req.Reason, strings.Join(ExceptionReasons, ", "))
	}
	if strings.TrimSpace(req.Justification) == "" {
		return fmt.Errorf("an exception to the deploy window needs a written justification")
	}
	if r.st.Exception != nil {
		return fmt.Errorf("%s already approved an exception (%s)", r.st.Exception.Person, r.st.Exception.Reason)
	}
	// Since windows hold every production service, an exception helps
	// until the last production environment is deployed.
	last := StageWindow
	if prod := r.in.Pipeline.Production(); len(prod) == 0 {
		return fmt.Errorf("%s has no production environment, so no deploy window to make an exception to", r.st.Product)
	} else if r.safety {
		last = DeployStage(prod[len(prod)-1])
	}
	if w := r.st.stage(last); w == nil || w.State == Done || w.State == Skipped {
		return fmt.Errorf("the %s stage has already passed", last)
	}
	role := r.in.Pipeline.Release.ExceptionRole
	if req.Person == r.in.TriggeredBy {
		return fmt.Errorf("%s triggered this release and cannot approve its exception; ask a listed %s approver", req.Person, role)
	}
	if ok, err := r.may(ctx, config.ActOverrideWindow, req.Person); ok || err != nil {
		return err
	}
	// Releases started before permissions: the exception role's approvers.
	if !slices.Contains(r.in.Pipeline.Approvers[role], req.Person) {
		return fmt.Errorf("%s is not a listed %s approver and cannot approve a window exception (listed: %s)", req.Person, role, strings.Join(r.in.Pipeline.Approvers[role], ", "))
	}
	return nil
}

// may checks the pipeline's permission for action; ok false with no
// error means the release predates permissions and its old rule applies.
func (r *release) may(ctx workflow.Context, action, person string) (bool, error) {
	return r.in.Pipeline.May(action, person, config.Who{Trigger: r.in.TriggeredBy, Manager: r.in.Manager, Oncall: r.in.Pipeline.OncallNow(workflow.Now(ctx))})
}

func (r *release) override(ctx workflow.Context, req OverrideRequest, a *Approval) {
	r.st.Exception = &WindowException{Person: req.Person, Reason: req.Reason, Justification: req.Justification, At: workflow.Now(ctx), Auth: a}
	r.log.Warn("deploy window exception approved", "person", req.Person, "reason", req.Reason)
}

func (r *release) checkDecision(ctx workflow.Context, req DecisionRequest) error {
	if err := r.checkOpen(); err != nil {
		return err
	}
	if r.held == nil {
		return fmt.Errorf("%s %s is not held; there is nothing to decide", r.st.Product, r.st.Version)
	}
	if r.st.Decision != nil && r.st.Decision.Decision == DecideAbort {
		return fmt.Errorf("%s already decided to abort", r.st.Decision.Person)
	}
	if req.Decision != DecideAbort && req.Decision != DecideWait {
		return fmt.Errorf("decision %q is not %s or %s", req.Decision, DecideAbort, DecideWait)
	}
	if ok, err := r.may(ctx, config.ActDecide, req.Person); ok || err != nil {
		return err
	}
	if req.Person != r.in.TriggeredBy && req.Person != r.in.Manager && !slices.Contains(r.in.Pipeline.Release.Managers, req.Person) {
		return fmt.Errorf("%s is not the release manager of %s %s (%s is, with release.managers: %s)",
			req.Person, r.st.Product, r.st.Version, r.in.Manager, strings.Join(r.in.Pipeline.Release.Managers, ", "))
	}
	return nil
}

func (r *release) decide(ctx workflow.Context, req DecisionRequest, a *Approval) {
	r.st.Decision = &DecisionRecord{Person: req.Person, Decision: req.Decision, Reason: req.Reason, At: workflow.Now(ctx), Auth: a}
	r.log.Info("decision on held release", "person", req.Person, "decision", req.Decision)
	if req.Decision == DecideAbort {
		reason := fmt.Sprintf("%s verdict from %s: %s", r.held.Verdict, r.held.Person, r.held.Reason)
		if req.Reason != "" {
			reason = req.Reason + " (" + reason + ")"
		}
		r.abort(ctx, AbortRequest{Person: req.Person, Reason: reason}, a)
	}
}

func (r *release) checkAbort(ctx workflow.Context, req AbortRequest) error {
	if err := r.checkOpen(); err != nil {
		return err
	}
	if strings.TrimSpace(req.Person) == "" {
		return fmt.Errorf("who is aborting? give the person's name")
	}
	if strings.TrimSpace(req.Reason) == "" {
		return fmt.Errorf("an abort needs a reason")
	}
	if r.st.Abort != nil {
		return fmt.Errorf("%s already aborted this release: %s", r.st.Abort.Person, r.st.Abort.Reason)
	}
	if r.st.Stage == StagePromote || r.st.Stage == StageAnnounce {
		return fmt.Errorf("%s %s is already in production (at %s), so there is nothing left to abort; take it out with `signalman rollback %s --env prod --reason ...`",
			r.st.Product, r.st.Version, r.st.Stage, r.st.Product)
	}
	_, err := r.may(ctx, config.ActAbort, req.Person)
	return err
}

func (r *release) abort(ctx workflow.Context, req AbortRequest, a *Approval) {
	r.st.Abort = &AbortRecord{Person: req.Person, Reason: req.Reason, At: workflow.Now(ctx), Auth: a}
	r.log.Warn("abort requested", "person", req.Person, "reason", req.Reason, "stage", r.st.Stage)
	r.stopWaits()
}

// checkOpen refuses any message to a finished release.
func (r *release) checkOpen() error {
	if r.st.Finished() {
		return fmt.Errorf("%s %s has already finished (%s)", r.st.Product, r.st.Version, r.st.State)
	}
	return nil
}

func (r *release) stageState() string {
	if s := r.st.stage(r.st.Stage); s != nil {
		return s.State
	}
	return Pending
}
