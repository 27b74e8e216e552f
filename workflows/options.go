package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/activities"
)

// retry is the retry policy of every activity: transient failures retry with
// backoff for as long as the activity's schedule allows; bad input, refusals,
// conflicts and failed tests never retry.
var retry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    time.Minute,
	NonRetryableErrorTypes: []string{
		activities.ErrBadInput, activities.ErrConflict, activities.ErrTestFailed, activities.ErrRefused,
	},
}

// deadWorker is the heartbeat timeout of long activities: how soon a
// killed worker's activity is retried elsewhere. The worker heartbeats
// every running activity at a third of it, whatever the activity is doing.
const deadWorker = 30 * time.Second

// activityOptions gives each activity its timeouts. Long activities heartbeat,
// so a dead worker is noticed within the heartbeat timeout rather than the
// start-to-close timeout.
var activityOptions = map[string]workflow.ActivityOptions{
	activities.ReleaseNotesName:   {StartToCloseTimeout: 5 * time.Minute},
	activities.CutTrainName:       {StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.CherryPickName:     {StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.TrainsName:         {StartToCloseTimeout: 5 * time.Minute},
	activities.TagName:            {StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.RunTestsName:       {StartToCloseTimeout: 2 * time.Hour, HeartbeatTimeout: deadWorker},
	activities.NotifyName:         {StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5}},
	activities.BuildNumberName:    {StartToCloseTimeout: time.Minute},
	activities.BuildName:          {StartToCloseTimeout: time.Hour, HeartbeatTimeout: deadWorker},
	activities.SignName:           {StartToCloseTimeout: 15 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.VerifyName:         {StartToCloseTimeout: 5 * time.Minute},
	activities.MigrateName:        {StartToCloseTimeout: time.Hour, HeartbeatTimeout: deadWorker},
	activities.DeployName:         {StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.TrafficName:        {StartToCloseTimeout: time.Minute},
	activities.AnalyzeName:        {StartToCloseTimeout: 5 * time.Minute},
	activities.SmokeName:          {StartToCloseTimeout: 5 * time.Minute},
	activities.RollbackName:       {StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.PromoteName:        {StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: deadWorker},
	activities.RetireName:         {StartToCloseTimeout: 5 * time.Minute},
	activities.RollbackTargetName: {StartToCloseTimeout: time.Minute},
	activities.FreezeCheckName:    {StartToCloseTimeout: time.Minute},
	activities.CandidateCheckName: {StartToCloseTimeout: 10 * time.Minute},
	activities.OpenPullsName:      {StartToCloseTimeout: 5 * time.Minute},
	activities.PublishReleaseName: {StartToCloseTimeout: 5 * time.Minute},
	// CI may take hours.
	activities.WaitForChecksName: {StartToCloseTimeout: 6 * time.Hour, HeartbeatTimeout: deadWorker},
}

// run executes the named activity with its options and decodes its result
// into out (which may be nil).
func run(ctx workflow.Context, name string, req, out any) error {
	o := activityOptions[name]
	if o.RetryPolicy == nil {
		o.RetryPolicy = retry
	}
	o.WaitForCancellation = true
	f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), name, req)
	if out == nil {
		return f.Get(ctx, nil)
	}
	return f.Get(ctx, out)
}
