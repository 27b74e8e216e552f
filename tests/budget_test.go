package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// historyBudget is the most events one workflow run may have. Temporal
// warns at 10,240 events and ends a workflow at 51,200; a release that
// needed half the warning would have no room left for retries, refusals
// and a longer pipeline.
const historyBudget = 5000

// TestHistoryBudget runs a ten-service release and a train with five dot
// releases through every gate (QA signoff, SRE approval, two canary steps,
// GitHub checks and release, Slack messages, a migration) on the embedded
// server with stand-in activities, and checks that no workflow run in
// them, the train's, a release's or a service deploy's, comes near
// Temporal's history limits. The train's releases have one service each:
// the train's own history holds a release as a child whatever its size,
// and the ten-service release measures a large one. Most of the test's
// time is the canary pauses: the server fires a 50ms timer after about a
// second. The numbers are in BENCHMARKS.md.
func TestHistoryBudget(t *testing.T) {
	const train = 11
	c := startOrchestration(t, &standIns{trains: []int{train}})
	rs := control.Releases{Client: c}
	full := pipelineSpec{product: "budget", services: 10, qa: true, sre: true, canary: true, extras: true}

	t.Run("ten_service_release", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		const version = "v1.10.0"
		p := orchPipeline(t, full)
		runID, _, err := rs.Start(ctx, workflows.ReleaseInput{Pipeline: p, Version: version, TriggeredBy: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		approveRelease(ctx, t, c, p, version)
		checkBudget(ctx, t, c, "release", workflows.ReleaseID(p.Product, version), runID)
	})

	t.Run("train_with_five_dot_releases", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		spec := full
		spec.services = 1
		// Its own product: the releases of one product are serialised per
		// environment and never downgrade each other.
		spec.product = "budget-train"
		p := orchPipeline(t, spec)
		runID, err := rs.StartTrain(ctx, workflows.TrainInput{Pipeline: p, Train: train, TriggeredBy: "rita"})
		if err != nil {
			t.Fatal(err)
		}
		approveRelease(ctx, t, c, p, fmt.Sprintf("v1.%d.0", train))
		for patch := 1; patch <= 5; patch++ {
			dot := workflows.DotRequest{Commits: []string{hexID(100 + patch)}, By: "devon", Reason: fmt.Sprintf("fix %d", patch)}
			if _, err := rs.TrainMessage(ctx, p.Product, train, contract.Dot, dot); err != nil {
				t.Fatal(err)
			}
			approveRelease(ctx, t, c, p, fmt.Sprintf("v1.%d.%d", train, patch))
		}
		if _, err := rs.TrainMessage(ctx, p.Product, train, contract.CloseTrain, workflows.CloseRequest{By: "rita"}); err != nil {
			t.Fatal(err)
		}
		var st workflows.TrainStatus
		if err := c.GetWorkflow(ctx, workflows.TrainID(p.Product, train), "").Get(ctx, &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Releases) != 6 {
			t.Errorf("the train made %d releases, want 6: %+v", len(st.Releases), st.Releases)
		}
		checkBudget(ctx, t, c, "train", workflows.TrainID(p.Product, train), runID)
	})
}

// approveRelease signs a release off on stage (quinn) and approves it for
// prod (sam) when it reaches each gate, and waits until it has succeeded.
func approveRelease(ctx context.Context, t *testing.T, c client.Client, p config.Pipeline, version string) {
	t.Helper()
	rs := control.Releases{Client: c}
	for _, g := range []struct{ stage, env, person string }{
		{workflows.StageQASignoff, config.Stage, "quinn"},
		{workflows.StageApproval, config.Prod, "sam"},
	} {
		if err := waitGate(ctx, rs, p.Product, version, g.stage); err != nil {
			t.Fatal(err)
		}
		req := workflows.SignoffRequest{Env: g.env, Person: g.person, Verdict: workflows.Green, Via: "cli"}
		if _, err := rs.Send(ctx, p.Product, version, contract.Signoff, req); err != nil {
			t.Fatal(err)
		}
	}
	st, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, version))
	if err != nil {
		t.Fatal(err)
	}
	if st.State != workflows.Succeeded {
		t.Fatalf("%s %s ended %s: %s", p.Product, version, st.State, st.Error)
	}
}

// runSize is the size of one workflow run's history.
type runSize struct {
	workflowType, id string
	// run counts the runs of one workflow ID: 2 is the run after the first continue-as-new.
	run           int
	events, bytes int
}

// checkBudget logs the history size of a workflow's run, of every run it
// continued as, and of all their child workflows, and fails on a run over
// the budget.
func checkBudget(ctx context.Context, t *testing.T, c client.Client, what, id, runID string) {
	t.Helper()
	runs, err := historySizes(ctx, c, id, runID)
	if err != nil {
		t.Fatal(err)
	}
	top := runSize{}
	for _, r := range runs {
		t.Logf("history-budget case=%s type=%s id=%s run=%d events=%d bytes=%d", what, r.workflowType, r.id, r.run, r.events, r.bytes)
		if r.events > historyBudget {
			t.Errorf("%s run %d has %d events, over the budget of %d (Temporal warns at 10,240)", r.id, r.run, r.events, historyBudget)
		}
		if r.events > top.events {
			top = r
		}
	}
	t.Logf("history-budget case=%s runs=%d largest=%s events=%d budget=%d", what, len(runs), top.id, top.events, historyBudget)
}

// historySizes measures the history of one run, then of its children, then
// of the run it continued as, if any, and so on.
func historySizes(ctx context.Context, c client.Client, id, runID string) ([]runSize, error) {
	var out []runSize
	for n := 1; runID != ""; n++ {
		r := runSize{id: id, run: n}
		var children [][2]string
		next := ""
		events, err := e2e.History(ctx, c, id, runID)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			r.events++
			r.bytes += proto.Size(e)
			if a := e.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				r.workflowType = a.GetWorkflowType().GetName()
			}
			if a := e.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
				children = append(children, [2]string{a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowExecution().GetRunId()})
			}
			if a := e.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
		}
		out = append(out, r)
		for _, ch := range children {
			sub, err := historySizes(ctx, c, ch[0], ch[1])
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		runID = next
	}
	return out, nil
}
