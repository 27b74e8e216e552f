package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/version"
	"github.com/signalman/signalman/internal/window"
)

// deploy deploys every service to env, each as a child workflow. It holds
// env so that no other release deploys there meanwhile, starts each
// service only when the window leaves time for its canary, refuses a
// downgrade of production, and on a failure does what env's on_failure
// says. An environment is let go of at once, a production one once the
// release is promoted.
func (r *release) deploy(ctx workflow.Context, stage, env string) error {
	p := r.in.Pipeline
	if p.IsProduction(env) {
		if err := r.recheck(ctx, stage, env); err != nil {
			return err
		}
	}
	if !r.safety {
		return r.deployEach(ctx, stage, env, p.OrderedServices(), config.StopRelease)
	}
	if err := r.claimInWindow(ctx, stage, env); err != nil {
		return err
	}
	if p.IsProduction(env) {
		if err := r.noDowngrade(env); err != nil {
			return err
		}
	}
	onFailure := p.Environments[env].OnFailure
	if onFailure == "" {
		onFailure = config.StopRelease
	}
	err := r.deployEach(ctx, stage, env, p.ServicesIn(env), onFailure)
	if err == nil {
		err = r.uploadAssets(ctx, stage, env)
	}
	if !p.IsProduction(env) {
		r.letGo(ctx, env)
	}
	return err
}

// deployEach deploys services to env in order.
func (r *release) deployEach(ctx workflow.Context, stage, env string, services []config.Service, onFailure string) error {
	var failed []string
	for i, svc := range services {
		if i > 0 && r.safety {
			if err := r.fits(ctx, stage, env); err != nil {
				return err
			}
		}
		r.detail(ctx, stage, fmt.Sprintf("%s (%d of %d)", svc.Name, i+1, len(services)))
		err := r.deployService(ctx, env, svc)
		if err == nil {
			continue
		}
		failed = append(failed, svc.Name+": "+cause(err))
		switch onFailure {
		case config.ContinueRelease:
			continue
		case config.RollbackRelease:
			return r.undo(ctx, stage, env, services[:i], svc.Name, err)
		}
		return fmt.Errorf("deploy %s to %s failed, %d service(s) after it not deployed: %s", svc.Name, env, len(services)-i-1, cause(err))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d service(s) failed on %s (the others were deployed all the same): %s", len(failed), len(services), env, strings.Join(failed, "; "))
	}
	r.detail(ctx, stage, fmt.Sprintf("%d service(s) on %s", len(services), env))
	return nil
}

// deployService deploys one service to env and records the result.
func (r *release) deployService(ctx workflow.Context, env string, svc config.Service) error {
	p := r.in.Pipeline
	e := p.Environments[env]
	art, ok := r.artifact(svc.Name)
	if !ok {
		return fmt.Errorf("deploy %s to %s: no artifact was built for it", svc.Name, env)
	}
	r.st.Deploying = DeployID(p.Product, r.in.Version, env, svc.Name)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:          r.st.Deploying,
		WaitForCancellation: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ProductKey.ValueSet(p.Product), TrainKey.ValueSet(int64(r.st.Train)),
			VersionKey.ValueSet(r.in.Version), EnvironmentKey.ValueSet(env), StageKey.ValueSet(StageDeploying)),
	})
	var res DeployResult
	err := workflow.ExecuteChildWorkflow(cctx, ServiceDeployWorkflow, DeployInput{
		Product:    p.Product,
		Version:    r.in.Version,
		Commit:     r.st.Commit,
		RepoURL:    p.Repository.URL,
		Env:        env,
		Target:     e.Target,
		Script:     e.Script,
		Service:    svc,
		Canary:     e.Canary,
		Artifact:   art,
		Migrations: p.MigrationsBefore(svc.Name),
		Deciders:   r.deciders(env),
		Trust:      trustOf(p),
		Slack:      r.deploySlack(),
		VerifyKeys: e.VerifyKeys,
		Bake:       e.Bake,
	}).Get(ctx, &res)
	r.st.Deploying = ""
	if err != nil {
		failed := DeployResult{Service: svc.Name, Env: env, Digest: art.Digest, Outcome: Failed, Reason: err.Error()}
		// A rolled-back deploy carries its result, verdicts and all.
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == ErrRolledBack && app.HasDetails() && app.Details(&res) == nil {
			failed = res
		}
		r.st.Deploys = append(r.st.Deploys, failed)
		return err
	}
	r.st.Deploys = append(r.st.Deploys, res)
	if r.safety {
		r.record(ctx, env, contract.Running{
			Service: svc.Name, Version: r.in.Version, Artifact: art, Commit: r.st.Commit,
			Release: workflow.GetInfo(ctx).WorkflowExecution.ID, ApprovedBy: r.approvers(env),
		})
	}
	return nil
}

// undo rolls back, in reverse order, the services this release moved in
// env before failing one failed: each returns to the digest it ran before
// (its migrations stay: they are expand-only). A service this release
// deployed first has nothing to return to and is left as it is.
func (r *release) undo(ctx workflow.Context, stage, env string, moved []config.Service, failing string, why error) error {
	p := r.in.Pipeline
	var back, left, broken []string
	for i := len(moved) - 1; i >= 0; i-- {
		svc := moved[i]
		prev, ok := r.before[env][svc.Name]
		if !ok {
			left = append(left, svc.Name)
			continue
		}
		r.detail(ctx, stage, fmt.Sprintf("%s failed: rolling %s back to %s", failing, svc.Name, prev.Version))
		reason := fmt.Sprintf("rolled back with the release: %s failed on %s: %s", failing, env, cause(why))
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:          DeployID(p.Product, r.in.Version, env, svc.Name) + "/undo",
			WaitForCancellation: true,
		})
		// The rollback runs to its end even if the release is aborted
		// meanwhile: a half-rolled-back environment is what it prevents.
		dctx, _ := workflow.NewDisconnectedContext(cctx)
		var res DeployResult
		err := workflow.ExecuteChildWorkflow(dctx, ServiceDeployWorkflow, redeploy(p, env, svc, prev.Version, prev.Commit, prev.Artifact)).Get(dctx, &res)
		if err != nil {
			broken = append(broken, fmt.Sprintf("%s (%s)", svc.Name, cause(err)))
			continue
		}
		back = append(back, fmt.Sprintf("%s to %s", svc.Name, prev.Version))
		for j := range r.st.Deploys {
			if d := &r.st.Deploys[j]; d.Env == env && d.Service == svc.Name && d.Outcome == Deployed {
				d.Outcome, d.Reason = RolledBack, reason
			}
		}
		prev.Since = workflow.Now(ctx)
		r.record(ctx, env, prev)
	}
	msg := fmt.Sprintf("%s failed on %s: %s", failing, env, cause(why))
	if len(back) > 0 {
		msg += "; rolled back with it: " + strings.Join(back, ", ")
	}
	if len(left) > 0 {
		msg += "; left on " + r.in.Version + " (no earlier version to return to): " + strings.Join(left, ", ")
	}
	if len(broken) > 0 {
		msg += "; ROLLBACK FAILED, check now: " + strings.Join(broken, ", ")
	}
	return errors.New(msg)
}

// claimInWindow claims env once its window leaves time for a deploy. A
// release that waited in line past the window lets go and waits for the
// next opening, so it never holds the environment while it waits for time.
func (r *release) claimInWindow(ctx workflow.Context, stage, env string) error {
	for {
		if err := r.fits(ctx, stage, env); err != nil {
			return err
		}
		if !slices.Contains(r.claimed, env) {
			r.claimed = append(r.claimed, env)
		}
		// A let-go of env still in flight would end this claim.
		r.settle(ctx, env)
		claim := contract.Claim{ID: workflow.GetInfo(ctx).WorkflowExecution.ID, Version: r.in.Version, At: workflow.Now(ctx)}
		g, err := claimEnv(ctx, r.in.Pipeline.Product, env, claim, func(g contract.Grant) {
			r.wait(ctx, stage, Waiting, waitingFor(env, g))
		})
		if err != nil {
			return err
		}
		r.wait(ctx, stage, Running, "")
		if r.before == nil {
			r.before = map[string]map[string]contract.Running{}
		}
		r.before[env] = g.Running
		at, _, err := r.opening(ctx, env)
		if err != nil || !at.After(workflow.Now(ctx)) {
			return err
		}
		r.letGo(ctx, env)
	}
}

// opening is when env's window next leaves time for one service's deploy
// (now if it does now, or if an exception was approved), with the calendar.
func (r *release) opening(ctx workflow.Context, env string) (time.Time, *window.Calendar, error) {
	now := workflow.Now(ctx)
	spec := r.in.Pipeline.WindowOf(env)
	if spec == nil || r.st.Exception != nil {
		return now, nil, nil
	}
	cal, err := window.New(*spec)
	if err != nil {
		return now, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("environments.%s.window: %v", env, err), ErrInvalid, err)
	}
	need := r.in.Pipeline.Environments[env].DeployTime()
	at := cal.OpenFor(now, need)
	if at.IsZero() {
		return now, cal, temporal.NewNonRetryableApplicationError(fmt.Sprintf("the %s deploy window (%s) is never open for the %s one service's deploy takes; check environments.%s", env, spec, need, env), ErrInvalid, nil)
	}
	return at, cal, nil
}

// fits waits until env's window leaves time for one service's deploy: its
// canary's pauses and a margin. An approved exception passes it.
func (r *release) fits(ctx workflow.Context, stage, env string) error {
	for {
		if r.st.Abort != nil {
			return errAborted
		}
		at, cal, err := r.opening(ctx, env)
		if err != nil {
			return err
		}
		now := workflow.Now(ctx)
		if !at.After(now) {
			return nil
		}
		r.st.WindowOpensAt = at
		need := r.in.Pipeline.Environments[env].DeployTime()
		opens := at.In(cal.Location()).Format("Mon 2006-01-02 15:04 MST")
		if why := cal.Why(now); why != "" {
			r.wait(ctx, stage, Waiting, fmt.Sprintf("window shut (%s); opens %s (a deploy to %s takes up to %s)", why, opens, env, need))
		} else {
			r.wait(ctx, stage, Waiting, fmt.Sprintf("window closes at %s, too soon for a deploy to %s (up to %s); opens again %s",
				cal.ClosesAt(now).In(cal.Location()).Format("15:04 MST"), env, need, opens))
		}
		_, err = workflow.AwaitWithTimeout(ctx, at.Sub(now), func() bool { return r.st.Exception != nil || r.st.Abort != nil })
		if err != nil {
			return err
		}
	}
}

// noDowngrade refuses to deploy a version older than one running in the
// production environment env, unless an exception was approved for it.
func (r *release) noDowngrade(env string) error {
	mine, err := version.Parse(r.in.Version)
	if err != nil {
		return err
	}
	for _, run := range r.before[env] {
		v, err := version.Parse(run.Version)
		if err != nil || !mine.Less(v) {
			continue
		}
		if r.st.Exception != nil {
			r.log.Warn("downgrade allowed by an exception", "running", run.Version, "by", r.st.Exception.Person)
			return nil
		}
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"%s runs in %s (%s, since %s); %s is older and is not deployed over it: a fix to train %d goes on to train %d, or an exception approved with `signalman override-window` lets it through",
			run.Version, env, run.Service, run.Since.UTC().Format("2006-01-02 15:04 MST"), r.in.Version, mine.Train, v.Train), ErrInvalid, nil)
	}
	return nil
}

// letGo ends the release's hold of env, or its wait for it. Since
// overlap, what the release told env's record before is delivered first,
// and the let-go itself is left in flight: settle waits for it.
func (r *release) letGo(ctx workflow.Context, env string) {
	i := slices.Index(r.claimed, env)
	if i < 0 {
		return
	}
	r.claimed = slices.Delete(r.claimed, i, i+1)
	if !r.overlap {
		if err := letGoEnv(ctx, r.in.Pipeline.Product, env, workflow.GetInfo(ctx).WorkflowExecution.ID); err != nil {
			r.log.Warn("environment not let go", "env", env, "error", err)
		}
		return
	}
	// Signals to one workflow may arrive in any order: the record must
	// know what runs before the next holder's grant tells it.
	r.settle(ctx, env)
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	r.inFlight = append(r.inFlight, &envSignal{env: env, what: "environment not let go",
		f: signalEnv(dctx, r.in.Pipeline.Product, env, contract.EnvLetGo, workflow.GetInfo(ctx).WorkflowExecution.ID)})
}

// letGoAll lets go of every environment the release holds or waits for,
// and waits until every signal to an environment's record is delivered.
func (r *release) letGoAll(ctx workflow.Context) {
	for len(r.claimed) > 0 {
		r.letGo(ctx, r.claimed[0])
	}
	r.settle(ctx, "")
}

// record tells env's record that run runs there now. Since overlap the
// signal is left in flight, so that the next service's deploy starts in
// the same workflow task.
func (r *release) record(ctx workflow.Context, env string, run contract.Running) {
	if run.Since.IsZero() {
		run.Since = workflow.Now(ctx)
	}
	if r.overlap {
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		r.inFlight = append(r.inFlight, &envSignal{env: env, what: "deploy not recorded", service: run.Service,
			f: signalEnv(dctx, r.in.Pipeline.Product, env, contract.EnvDeployed, run)})
		return
	}
	if err := recordEnv(ctx, r.in.Pipeline.Product, env, run); err != nil {
		r.log.Warn("deploy not recorded", "env", env, "service", run.Service, "error", err)
	}
}

// envSignal is a signal to an environment's record not yet known to be
// delivered.
type envSignal struct {
	env, what, service string
	f                  workflow.Future
}

// settle waits until the signals in flight to env's record (to every
// record, when env is "") are delivered, and logs those that failed. The
// deploys of a wave settle at once, each its own environment: a signal
// leaves the list only once delivered.
func (r *release) settle(ctx workflow.Context, env string) {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	for {
		i := slices.IndexFunc(r.inFlight, func(s *envSignal) bool { return env == "" || s.env == env })
		if i < 0 {
			return
		}
		s := r.inFlight[i]
		err := s.f.Get(ctx, nil)
		if k := slices.Index(r.inFlight, s); k >= 0 {
			r.inFlight = slices.Delete(r.inFlight, k, k+1)
			if err != nil {
				r.log.Warn(s.what, "env", s.env, "service", s.service, "error", err)
			}
		}
	}
}

// approvers are those who signed off for env, as "role: person".
func (r *release) approvers(env string) []string {
	var who []string
	for _, s := range r.st.Signoffs {
		if s.Env == env {
			who = append(who, s.Role+": "+s.Person)
		}
	}
	if e := r.st.Exception; e != nil && r.in.Pipeline.IsProduction(env) {
		who = append(who, "exception: "+e.Person)
	}
	return who
}
