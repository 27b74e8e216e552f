package workflows

import (
	"fmt"
	"math/rand/v2"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/internal/version"
)

// ScheduledBy is who triggers a scheduled candidate.
const ScheduledBy = "schedule"

// CandidateID is the workflow ID of a product's candidates (a schedule
// adds the time of each run to it).
func CandidateID(product string) string { return "candidate/" + product }

// CandidateInput asks for a release candidate: a new train cut from main.
type CandidateInput struct {
	Pipeline config.Pipeline `json:"pipeline"`
	// TriggeredBy is the person who asked; empty for a scheduled one.
	TriggeredBy string `json:"triggeredBy,omitempty"`
	// TimeZone is where a scheduled candidate's manager is preferred from.
	TimeZone string `json:"timeZone,omitempty"`
	// Cutoff is how long after the candidate starts the train is cut and
	// tagged, so what is still open can land (0: at once).
	Cutoff time.Duration `json:"cutoff,omitempty"`
	// By is who made the schedule a scheduled candidate comes from.
	By string `json:"by,omitempty"`
	// Auth is the signed statement of TriggeredBy's start, or of By's
	// schedule.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// CandidateResult says what a candidate did.
type CandidateResult struct {
	Product string `json:"product"`
	// Train is the train started (0 when skipped).
	Train int    `json:"train,omitempty"`
	Head  string `json:"head"`
	// NewCommits on main since the last train.
	NewCommits int `json:"newCommits"`
	// Manager is the release manager of the train.
	Manager      string `json:"manager,omitempty"`
	ManagerEmail string `json:"managerEmail,omitempty"`
	// Skipped says why no train was started.
	Skipped string `json:"skipped,omitempty"`
}

// CandidateWorkflow starts the next train of a product when main has
// commits the last train does not. A manual candidate is managed by the
// person who triggered it; a scheduled one by a committer of the
// candidate picked at random (the pick is recorded in history, so replay
// makes the same one), preferring people who commit in the configured
// time zone. The train runs on by itself; the candidate ends once it has
// started.
func CandidateWorkflow(ctx workflow.Context, in CandidateInput) (CandidateResult, error) {
	p := in.Pipeline
	res := CandidateResult{Product: p.Product}
	logger := log.With(workflow.GetLogger(ctx), "product", p.Product)
	if err := checkCandidate(ctx, in); err != nil {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("candidate of %s refused: %v", p.Product, err), contract.ErrRefused, nil)
	}
	var check contract.CandidateCheck
	err := run(ctx, contract.CandidateCheckName, contract.CandidateCheckRequest{
		Product: p.Product, RepoURL: p.Repository.URL, MainBranch: p.Repository.MainBranch, TimeZone: in.TimeZone,
	}, &check)
	if err != nil {
		return res, err
	}
	res.Head, res.NewCommits = check.Head, check.NewCommits
	if check.NewCommits == 0 {
		res.Skipped = fmt.Sprintf("%s has no new commits since %s (head %s)", p.Repository.MainBranch, version.Branch(check.LastTrain), short(check.Head))
		logger.Info("candidate skipped", "reason", res.Skipped)
		return res, nil
	}

	triggeredBy := in.TriggeredBy
	owner := p.OwnerOf(check.NextTrain)
	switch {
	case owner != "":
		// The rotation names the train's owner: no one is picked.
		res.Manager = owner
		if triggeredBy == "" {
			triggeredBy = ScheduledBy
		}
	case triggeredBy != "":
		res.Manager = triggeredBy
	default:
		triggeredBy = ScheduledBy
		pool := managerPool(check.Committers)
		var pick int
		err := workflow.SideEffect(ctx, func(workflow.Context) any { return rand.IntN(len(pool)) }).Get(&pick)
		if err != nil {
			return res, err
		}
		res.Manager, res.ManagerEmail = pool[pick].Name, pool[pick].Email
	}

	res.Train = check.NextTrain
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            TrainID(p.Product, res.Train),
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(ProductKey.ValueSet(p.Product), TrainKey.ValueSet(int64(res.Train))),
		StaticSummary:         fmt.Sprintf("%s train %d, candidate managed by %s", p.Product, res.Train, res.Manager),
	})
	var cutoff time.Time
	if in.Cutoff > 0 {
		cutoff = workflow.Now(ctx).Add(in.Cutoff)
	}
	child := workflow.ExecuteChildWorkflow(cctx, TrainWorkflow, TrainInput{
		Pipeline: p, Train: res.Train, TriggeredBy: triggeredBy, Manager: res.Manager, Cutoff: cutoff,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		res.Train = 0
		res.Skipped = fmt.Sprintf("train %d could not start: %s", check.NextTrain, cause(err))
		logger.Warn("candidate train not started", "error", err)
		return res, temporal.NewNonRetryableApplicationError(res.Skipped, ErrInvalid, err, res)
	}
	logger.Info("candidate train started", "train", res.Train, "manager", res.Manager, "commits", res.NewCommits)
	return res, nil
}

// managerPool is who may manage a scheduled candidate: its committers in
// the preferred time zone, or all of them when none is.
func managerPool(committers []contract.Committer) []contract.Committer {
	var in []contract.Committer
	for _, c := range committers {
		if c.InZone {
			in = append(in, c)
		}
	}
	if len(in) > 0 {
		return in
	}
	return committers
}

// checkCandidate verifies who asked for a candidate: a person's start is
// signed for this run; a scheduled one carries the statement its schedule
// was made with, checked as of when it was signed (every run of the
// schedule carries it), for the schedule's own ID and terms.
func checkCandidate(ctx workflow.Context, in CandidateInput) error {
	sigs := newSignatures(trustOf(in.Pipeline), in.Pipeline.Product, nil)
	if !sigs.trust.Signed {
		return nil
	}
	if in.TriggeredBy != "" {
		_, err := sigs.checkStart(ctx, ActionCandidate, in)
		return err
	}
	return sigs.checkAsSigned(ActionSchedule, CandidateID(in.Pipeline.Product), in)
}
