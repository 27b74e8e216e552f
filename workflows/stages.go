package workflows

import (
	"encoding/json"
	"time"

	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/window"
)

// StageDeploying is the stage a ServiceDeployWorkflow shows while it runs.
const StageDeploying = "deploying"

// envOf is the environment a stage works on.
func envOf(stage string) string {
	switch stage {
	case StageDeployStage, StageQASignoff:
		return config.Stage
	case StageApproval, StageWindow, StageCanary, StagePromote:
		return config.Prod
	}
	return ""
}

// enter starts a stage and shows it in the search attributes and the
// workflow's current details.
func (r *release) enter(ctx workflow.Context, name string) {
	s := r.st.stage(name)
	s.State = Running
	s.Started = workflow.Now(ctx)
	r.st.Stage = name
	r.st.Env = envOf(name)
	err := workflow.UpsertTypedSearchAttributes(ctx,
		ProductKey.ValueSet(r.st.Product),
		TrainKey.ValueSet(int64(r.st.Train)),
		VersionKey.ValueSet(r.st.Version),
		StageKey.ValueSet(name),
		EnvironmentKey.ValueSet(r.st.Env),
	)
	if err != nil {
		r.log.Warn("search attributes not updated", "error", err)
	}
	r.log.Info("stage started", "stage", name, "env", r.st.Env)
	r.show(ctx)
}

// leave ends a stage; a stage that marked itself skipped stays skipped.
func (r *release) leave(ctx workflow.Context, name, state string) {
	s := r.st.stage(name)
	if s.State != Skipped {
		s.State = state
	}
	s.Ended = workflow.Now(ctx)
	r.show(ctx)
}

// detail sets what a stage is doing or did.
func (r *release) detail(ctx workflow.Context, name, detail string) {
	r.st.stage(name).Detail = detail
	r.show(ctx)
}

// wait marks a stage as waiting on people or time.
func (r *release) wait(ctx workflow.Context, name, state, detail string) {
	s := r.st.stage(name)
	s.State = state
	s.Detail = detail
	r.show(ctx)
}

// skip marks a stage as not needed for this release.
func (r *release) skip(ctx workflow.Context, name, why string) {
	r.wait(ctx, name, Skipped, why)
}

// show publishes the stage table as the workflow's current details, which the
// Temporal UI displays.
func (r *release) show(ctx workflow.Context) {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s %s** (train %d): %s", r.st.Product, r.st.Version, r.st.Train, r.st.State)
	if !r.st.Finished() {
		fmt.Fprintf(&b, ", at %s", r.st.Stage)
	}
	b.WriteString("\n\n| stage | state | detail |\n|---|---|---|\n")
	for _, s := range r.st.Stages {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Name, s.State, strings.ReplaceAll(s.Detail, "|", "/"))
	}
	workflow.SetCurrentDetails(ctx, b.String())
}

// signoffs opens env's signoff gate and waits until every required role has
// its green signoffs. A yellow or red verdict holds the release for the
// release manager, who aborts it or waits for a dot release.
func (r *release) signoffs(ctx workflow.Context, env string) error {
	stage := r.st.Stage
	g := r.gate(env)
	if len(g.required) == 0 {
		r.skip(ctx, stage, "no signoffs required on "+env)
		return nil
	}
	r.gateOn = env
	defer func() { r.gateOn = "" }()
	r.wait(ctx, stage, Waiting, "waiting for "+g.roleNames())
	var msg contract.NotifyResult
	if workflow.GetVersion(ctx, "slack-gates", workflow.DefaultVersion, 1) == 1 {
		value, _ := json.Marshal(GateButton{Product: r.st.Product, Version: r.st.Version, Env: env, Verdict: Green})
		label := "Sign off"
		if env == config.Prod {
			label = "Approve"
		}
		msg, _ = r.post(ctx, stage, fmt.Sprintf("%s %s waits for %s on %s (release manager: %s)", r.st.Product, r.st.Version, g.roleNames(), env, r.in.Manager),
			[]contract.NotifyButton{{Action: contract.Signoff, Label: label, Value: string(value), Style: "primary"}})
	}
	err := workflow.Await(ctx, func() bool {
		return r.held != nil || g.complete(r.st.Signoffs) || r.st.Abort != nil
	})
	if err != nil {
		return err
	}
	// The gate has closed: its button goes, whoever answered and however.
	closed := func(how string) {
		if workflow.GetVersion(ctx, "slack-gate-close", workflow.DefaultVersion, 1) == 1 {
			r.replace(ctx, stage, msg, fmt.Sprintf("%s %s on %s: %s", r.st.Product, r.st.Version, env, how))
		}
	}
	if r.st.Abort != nil {
		closed(fmt.Sprintf("aborted by %s while waiting for %s", r.st.Abort.Person, g.roleNames()))
		return errAborted
	}
	if r.held != nil {
		closed(fmt.Sprintf("held: %s verdict from %s", r.held.Verdict, r.held.Person))
		return r.hold(ctx, stage)
	}
	var who, via []string
	for _, s := range r.st.Signoffs {
		if s.Env == env {
			who = append(who, s.Role+": "+s.Person)
			v := s.Role + ": " + s.Person
			if s.Via != "" {
				v += " via " + s.Via
			}
			via = append(via, v)
		}
	}
	r.detail(ctx, stage, "signed off by "+strings.Join(who, ", "))
	closed("signed off by " + strings.Join(via, ", "))
	return nil
}

// hold keeps a release with a yellow or red verdict until its manager
// decides: abort ends it; wait keeps it held until a dot release replaces it
// or someone aborts it.
func (r *release) hold(ctx workflow.Context, stage string) error {
	h := r.held
	r.gateOn = ""
	r.st.State = Held
	r.wait(ctx, stage, Held, fmt.Sprintf("%s verdict from %s: %s; the release manager (%s) decides: abort or wait for a dot release",
		h.Verdict, h.Person, h.Reason, r.in.Manager))
	if workflow.GetVersion(ctx, "slack-outcomes", workflow.DefaultVersion, 1) == 1 {
		_, _ = r.post(ctx, stage, fmt.Sprintf("%s %s is held: %s verdict from %s: %s. The release manager, %s, decides: `signalman decide %s abort|wait`",
			r.st.Product, r.st.Version, h.Verdict, h.Person, h.Reason, r.in.Manager, r.st.Version), nil)
	}
	if err := workflow.Await(ctx, func() bool { return r.st.Decision != nil || r.st.Abort != nil || r.superseded != nil }); err != nil {
		return err
	}
	if r.st.Abort == nil && r.superseded == nil {
		d := r.st.Decision
		r.detail(ctx, stage, fmt.Sprintf("%s verdict from %s: %s; %s chose to wait for a dot release", h.Verdict, h.Person, h.Reason, d.Person))
		if err := workflow.Await(ctx, func() bool { return r.st.Abort != nil || r.superseded != nil }); err != nil {
			return err
		}
	}
	if r.st.Abort == nil {
		// The dot release this release was held for is on its way: it
		// replaces this one.
		r.abort(ctx, AbortRequest{Person: r.superseded.By, Reason: fmt.Sprintf("superseded by a dot release of train %d (%s); held on a %s verdict from %s: %s",
			r.st.Train, r.superseded.Reason, h.Verdict, h.Person, h.Reason)})
	}
	return errAborted
}

// window holds production until the ship time (the ETA, or the ship delay
// after the last signoff) and then until the deploy window is open, unless
// an exception was approved.
func (r *release) window(ctx workflow.Context) error {
	for {
		if err := r.waitWindow(ctx); err != nil {
			return err
		}
		// An approved exception passes a freeze too. Releases recorded
		// before freezes existed replay without asking.
		if r.st.Exception != nil || workflow.GetVersion(ctx, "freeze", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return nil
		}
		waited, err := r.waitFreeze(ctx)
		if err != nil || !waited {
			return err
		}
		// The freeze is over (or an exception came): the window may have
		// shut meanwhile, so look again.
	}
}

// waitFreeze waits while the product's production is frozen, until the
// freeze is lifted or an exception is approved, and says whether it waited.
func (r *release) waitFreeze(ctx workflow.Context) (bool, error) {
	var fz contract.Freeze
	err := run(ctx, contract.FreezeCheckName, contract.FreezeCheckRequest{
		Product: r.in.Pipeline.Product, Watcher: workflow.GetInfo(ctx).WorkflowExecution.ID,
	}, &fz)
	if err != nil {
		return false, err
	}
	if !fz.Frozen {
		return false, nil
	}
	r.st.Freeze = &fz
	r.lifted = nil
	what := fmt.Sprintf("production frozen by %s since %s: %s; waiting for the freeze to be lifted or an approved exception",
		fz.By, fz.Since.UTC().Format("2006-01-02 15:04 MST"), fz.Reason)
	r.wait(ctx, StageWindow, Waiting, what)
	_, _ = r.post(ctx, StageWindow, fmt.Sprintf("%s %s: %s", r.st.Product, r.st.Version, what), nil)
	if err := workflow.Await(ctx, func() bool { return r.lifted != nil || r.st.Exception != nil || r.st.Abort != nil }); err != nil {
		return true, err
	}
	if r.st.Abort != nil {
		return true, errAborted
	}
	if r.lifted != nil {
		r.st.Freeze = r.lifted
		r.detail(ctx, StageWindow, fmt.Sprintf("freeze lifted by %s", r.lifted.LiftedBy))
	}
	return true, nil
}

// waitWindow waits for the ship time and the open deploy window.
func (r *release) waitWindow(ctx workflow.Context) error {
	cal, err := calendar(r.in.Pipeline.Environments[config.Prod].Window)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("environments.prod.window: "+err.Error(), ErrInvalid, err)
	}
	r.st.ShipAt = r.shipAt(ctx)
	interrupted := func() bool { return r.st.Exception != nil || r.st.Abort != nil }
	for {
		if e := r.st.Exception; e != nil {
			r.detail(ctx, StageWindow, fmt.Sprintf("exception (%s) approved by %s: %s", e.Reason, e.Person, e.Justification))
			return nil
		}
		if r.st.Abort != nil {
			return errAborted
		}
		now := workflow.Now(ctx)
		if now.Before(r.st.ShipAt) {
			r.wait(ctx, StageWindow, Waiting, "ships at "+r.st.ShipAt.UTC().Format("2006-01-02 15:04 MST"))
			if _, err := workflow.AwaitWithTimeout(ctx, r.st.ShipAt.Sub(now), interrupted); err != nil {
				return err
			}
			continue
		}
		if cal == nil || cal.IsOpen(now) {
			r.detail(ctx, StageWindow, "window open")
			return nil
		}
		next := cal.NextOpen(now)
		if next.IsZero() {
			return temporal.NewNonRetryableApplicationError("the production deploy window never opens; check environments.prod.window", ErrInvalid, nil)
		}
		r.st.WindowOpensAt = next
		r.wait(ctx, StageWindow, Waiting, fmt.Sprintf("window shut (%s); opens %s", cal.Why(now), next.In(cal.Location()).Format("Mon 2006-01-02 15:04 MST")))
		if _, err := workflow.AwaitWithTimeout(ctx, next.Sub(now), interrupted); err != nil {
			return err
		}
	}
}

// shipAt is the release's ETA, or the ship delay after its last signoff.
func (r *release) shipAt(ctx workflow.Context) (at time.Time) {
	if !r.in.ETA.IsZero() {
		return r.in.ETA
	}
	if len(r.st.Signoffs) == 0 {
		return workflow.Now(ctx)
	}
	for _, s := range r.st.Signoffs {
		if s.At.After(at) {
			at = s.At
		}
	}
	return at.Add(r.in.Pipeline.Release.ShipDelay)
}

// calendar builds the deploy-window calendar; no window means always open.
func calendar(s *window.Spec) (*window.Calendar, error) {
	if s == nil {
		return nil, nil
	}
	return window.New(*s)
}

// parallel runs n branches, at most maxParallel at a time (4 when unset,
// as in releases started before the setting existed), and returns the first
// error in branch order. Once a branch fails no new branch starts.
func parallel(ctx workflow.Context, n, maxParallel int, branch func(workflow.Context, int) error) error {
	if maxParallel <= 0 {
		maxParallel = 4
	}
	errs := make([]error, n)
	done := workflow.NewChannel(ctx)
	running, next, failed := 0, 0, false
	for {
		for running < maxParallel && next < n && !failed {
			i := next
			next++
			running++
			workflow.Go(ctx, func(ctx workflow.Context) {
				errs[i] = branch(ctx, i)
				done.Send(ctx, i)
			})
		}
		if running == 0 {
			break
		}
		var i int
		done.Receive(ctx, &i)
		running--
		failed = failed || errs[i] != nil
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
