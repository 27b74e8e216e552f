package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
)

// run executes the named activity on its role's task queue, with the
// contract's options, and decodes its result into out (which may be nil).
// An activity of the Deploy role runs in one environment: call runIn.
func run(ctx workflow.Context, name string, req, out any) error {
	return runIn(ctx, "", name, req, out)
}

// runIn executes the named activity in environment env: a Deploy
// activity goes to that environment's deployers.
func runIn(ctx workflow.Context, env, name string, req, out any) error {
	return runWithin(ctx, env, name, req, out, 0)
}

// runWithin is runIn, giving up (retries included) after within, if set:
// for what must not hold a release up when the workers of its role are
// away, such as a change preview.
func runWithin(ctx workflow.Context, env, name string, req, out any, within time.Duration) error {
	a, ok := contract.Lookup(name)
	if !ok {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("activity %s is not in the contract", name), ErrInvalid, nil)
	}
	if a.Role == contract.Deploy && env == "" {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("activity %s runs in an environment, and none was given", name), ErrInvalid, nil)
	}
	o := a.Options
	if o.RetryPolicy == nil {
		o.RetryPolicy = contract.Retry
	}
	o.TaskQueue = contract.Queue(a.Role, env)
	if within > 0 {
		o.ScheduleToCloseTimeout = within
	}
	o.WaitForCancellation = true
	var f workflow.Future
	if a.Role == contract.Orchestrate && local(ctx) {
		if steps, ok := ctx.Value(localStepsKey{}).(*localSteps); ok {
			defer steps.end(steps.begin(name, workflow.Now(ctx)))
		}
		f = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions(o)), name, req)
	} else {
		f = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), name, req)
	}
	if out == nil {
		return f.Get(ctx, nil)
	}
	return f.Get(ctx, out)
}

// localRetryFor is how long a local activity with no time limit of its own
// keeps retrying: long enough to ride out an overloaded server (claims
// waited over a minute in the 10,000-release load), short enough that a
// record that never answers fails the release, naming it. An activity
// would retry without end, and show its attempts in `signalman status`;
// a local activity's are known only to its worker, and status shows no
// more than how long it has run (localSteps).
const localRetryFor = 15 * time.Minute

// localOptions are an activity's options for running it locally. The SDK
// ends a local activity's retries at its start-to-close timeout when no
// schedule-to-close timeout is set, where an activity retries without
// end: one claim that waited over a minute for an overloaded server
// failed its release.
func localOptions(o workflow.ActivityOptions) workflow.LocalActivityOptions {
	lo := workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: o.ScheduleToCloseTimeout,
		StartToCloseTimeout:    o.StartToCloseTimeout,
		RetryPolicy:            o.RetryPolicy,
	}
	if lo.ScheduleToCloseTimeout == 0 {
		lo.ScheduleToCloseTimeout = max(localRetryFor, o.StartToCloseTimeout)
	}
	return lo
}

// local says whether the orchestrate role's own activities (a freeze
// check, a claim or a read of an environment's record, a list of releases)
// run as local activities: in the workflow's worker, within its workflow
// task, with their results recorded as markers. They need only the
// Temporal client the orchestrator has, and each is idempotent, so running
// one again after a lost workflow task is safe; as local activities they
// save the server a workflow task, an activity dispatch and their events.
// Releases recorded before run them as activities, as they were.
func local(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, "local-orchestrate", workflow.DefaultVersion, 1) == 1
}

// localSteps are the local activities a workflow runs now. They run in
// its worker, within its workflow task: the server's pending activities,
// which `signalman status` reads for the steps that retry, never list
// them, however long they retry. A workflow that keeps them in its context
// (withLocalSteps) can report them in its status query instead. Keeping
// them changes no command and no event.
type localSteps struct {
	running []*LocalStep
}

type localStepsKey struct{}

// withLocalSteps makes the local activities run on ctx, and on the
// contexts made from it, tracked by steps.
func withLocalSteps(ctx workflow.Context, steps *localSteps) workflow.Context {
	return workflow.WithValue(ctx, localStepsKey{}, steps)
}

// begin records that activity began at, and returns the step for end.
func (l *localSteps) begin(activity string, at time.Time) *LocalStep {
	s := &LocalStep{Activity: activity, Since: at}
	l.running = append(l.running, s)
	return s
}

// end records that step ended, retries and all.
func (l *localSteps) end(step *LocalStep) {
	l.running = slices.DeleteFunc(l.running, func(s *LocalStep) bool { return s == step })
}

// list returns the steps running now, the earliest begun first.
func (l *localSteps) list() []LocalStep {
	var out []LocalStep
	for _, s := range l.running {
		out = append(out, *s)
	}
	return out
}
