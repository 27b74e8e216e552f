package contract

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Activity is one row of the contract.
type Activity struct {
	// Name is the stable name workflows call and workers register.
	Name string
	// Role is who runs it; a Deploy activity runs in one environment.
	Role Role
	// Request and Result are zero values of its argument and result types
	// (Result nil for an activity that returns only an error).
	Request, Result any
	// Options are its timeouts, heartbeat and retry policy (Retry unless
	// set); the task queue comes from the role at each call.
	Options workflow.ActivityOptions
}

// Retry is the retry policy of every activity that sets none: transient
// failures retry with backoff for as long as the activity's schedule
// allows; bad input, refusals, conflicts and failed tests never retry.
var Retry = &temporal.RetryPolicy{
	InitialInterval:    time.Second,
	BackoffCoefficient: 2,
	MaximumInterval:    time.Minute,
	NonRetryableErrorTypes: []string{
		ErrBadInput, ErrConflict, ErrTestFailed, ErrRefused,
	},
}

// deadWorker is the heartbeat timeout of every activity: how soon a
// killed worker's activity is retried elsewhere. The worker heartbeats
// every running activity at a third of it, whatever the activity is doing,
// so even a short call (a smoke test, a canary judgement) lost with its
// worker is retried within it rather than at its start-to-close timeout.
const deadWorker = 30 * time.Second

// brief and long are the options of short calls and of activities that
// work for up to d. Both heartbeat; the names say how long each may take.
func brief(d time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: d, HeartbeatTimeout: deadWorker}
}

func long(d time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: d, HeartbeatTimeout: deadWorker}
}

// Activities is the contract's table: every activity, in the order a
// release meets them.
var Activities = []Activity{
	{TagName, Source, TagRequest{}, TagResult{}, long(10 * time.Minute)},
	// CI may take hours.
	{WaitForChecksName, Source, ChecksRequest{}, ChecksResult{}, long(6 * time.Hour)},
	{RunTestsName, Source, TestRequest{}, TestResult{}, long(2 * time.Hour)},
	{ReleaseNotesName, Source, NotesRequest{}, ReleaseNotes{}, brief(5 * time.Minute)},
	{PublishReleaseName, Source, PublishRequest{}, PublishResult{}, brief(5 * time.Minute)},
	{CutTrainName, Source, CutRequest{}, "", long(10 * time.Minute)},
	{CherryPickName, Source, PickRequest{}, PickResult{}, long(10 * time.Minute)},
	{UpliftName, Source, UpliftRequest{}, UpliftResult{}, long(10 * time.Minute)},
	{DescribeCommitsName, Source, DescribeRequest{}, []CommitInfo{}, brief(5 * time.Minute)},
	{TrainsName, Source, TrainsRequest{}, []int{}, brief(5 * time.Minute)},
	{BranchHeadName, Source, BranchHeadRequest{}, "", brief(5 * time.Minute)},
	{CandidateCheckName, Source, CandidateCheckRequest{}, CandidateCheck{}, brief(10 * time.Minute)},
	{OpenPullsName, Source, OpenPullsRequest{}, []PullRequest{}, brief(5 * time.Minute)},

	{BuildNumberName, Build, BuildNumberRequest{}, 0, brief(time.Minute)},
	{BuildName, Build, BuildRequest{}, Artifact{}, long(time.Hour)},
	{PackAssetsName, Build, PackAssetsRequest{}, Assets{}, long(30 * time.Minute)},
	{SignName, Sign, SignRequest{}, nil, long(15 * time.Minute)},
	{ScanName, Sign, ScanRequest{}, ScanResult{}, long(15 * time.Minute)},

	{VerifyName, Deploy, VerifyRequest{}, nil, brief(5 * time.Minute)},
	{MigrateName, Deploy, MigrateRequest{}, nil, long(time.Hour)},
	{DeployName, Deploy, DeployRequest{}, DeployOutcome{}, long(30 * time.Minute)},
	{TrafficName, Deploy, TrafficRequest{}, nil, brief(time.Minute)},
	{AnalyzeName, Deploy, AnalyzeRequest{}, Verdict{}, brief(5 * time.Minute)},
	{SmokeName, Deploy, SmokeRequest{}, nil, brief(5 * time.Minute)},
	{RollbackName, Deploy, RollbackRequest{}, nil, long(30 * time.Minute)},
	{PromoteName, Deploy, PromoteRequest{}, nil, long(30 * time.Minute)},
	{RetireName, Deploy, RetireRequest{}, nil, brief(5 * time.Minute)},
	{RollbackTargetName, Deploy, RollbackTargetRequest{}, ReleaseRecord{}, brief(time.Minute)},
	{UploadAssetsName, Deploy, UploadAssetsRequest{}, AssetUpload{}, long(time.Hour)},

	// Asking the freeze workflow needs a Temporal client and no secret.
	{FreezeCheckName, Orchestrate, FreezeCheckRequest{}, Freeze{}, brief(time.Minute)},
	// So is claiming an environment from its record.
	{ClaimEnvName, Orchestrate, ClaimRequest{}, Grant{}, brief(time.Minute)},
	// And reading one, for a change preview.
	{ReadEnvName, Orchestrate, ReadEnvRequest{}, EnvState{}, brief(time.Minute)},
	// Garbage collection: each role prunes what it holds.
	{ListReleasesName, Orchestrate, ListReleasesRequest{}, []ReleaseImages{}, brief(5 * time.Minute)},
	{PruneImagesName, Build, PruneImagesRequest{}, PruneResult{}, long(30 * time.Minute)},
	{PruneDeployName, Deploy, PruneDeployRequest{}, PruneResult{}, long(30 * time.Minute)},
	{PruneCheckoutsName, Source, PruneCheckoutsRequest{}, PruneResult{}, long(30 * time.Minute)},

	{NotifyName, Notify, NotifyRequest{}, NotifyResult{}, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: deadWorker, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5}}},
}

// Lookup finds an activity of the table by name.
func Lookup(name string) (Activity, bool) {
	for _, a := range Activities {
		if a.Name == name {
			return a, true
		}
	}
	return Activity{}, false
}

// For lists the activities a role runs.
func For(r Role) []Activity {
	var out []Activity
	for _, a := range Activities {
		if a.Role == r {
			out = append(out, a)
		}
	}
	return out
}
