package tests

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// TestEnvironments_one_release_at_a_time_across_a_worker_restart runs the
// real workflows on the embedded server with stand-in activities (the
// claim of an environment is the real activity): a second release of a
// product waits for prod while the first is in its canary, says for whom,
// survives a restart of the orchestrating worker while it waits, and
// deploys only once the first has let go; `running` then tells what runs.
func TestEnvironments_one_release_at_a_time_across_a_worker_restart(t *testing.T) {
	first := make(chan struct{})
	acts := &standIns{hold: func(ctx context.Context, name, workflowID string) {
		if strings.HasPrefix(workflowID, "deploy/queue/v1.1.0/prod/") && name == "AnalyzeCanary" {
			select {
			case <-first:
			case <-ctx.Done():
			}
		}
	}}
	c := startOrchestration(t, acts)
	rs := control.Releases{Client: c}
	p := orchPipeline(t, pipelineSpec{product: "queue", services: 1, canary: true})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	startReleases(ctx, t, rs, p, []string{"v1.1.0"})
	waitUntil(ctx, t, "v1.1.0 in its prod canary", func() bool {
		st, err := rs.Status(ctx, p.Product, "v1.1.0")
		return err == nil && st.Stage == workflows.StageCanary && st.Deploying != ""
	})
	startReleases(ctx, t, rs, p, []string{"v1.2.0"})
	waitUntil(ctx, t, "v1.2.0 waiting for prod, saying for whom", func() bool {
		st, err := rs.Status(ctx, p.Product, "v1.2.0")
		if err != nil || st.Stage != workflows.StageCanary {
			return false
		}
		for _, s := range st.Stages {
			if s.Name == workflows.StageCanary && s.State == workflows.Waiting && s.Detail == "waiting for v1.1.0 to finish deploying prod" {
				return true
			}
		}
		return false
	})
	held, err := rs.Running(ctx, p.Product, config.Prod)
	if err != nil {
		t.Fatal(err)
	}
	if held.Holder == nil || held.Holder.Version != "v1.1.0" || len(held.Queue) != 1 || held.Queue[0].Version != "v1.2.0" {
		t.Fatalf("prod's record: holder %+v, queue %+v; want v1.1.0 holding, v1.2.0 waiting", held.Holder, held.Queue)
	}

	// The worker that runs the workflows restarts while v1.2.0 waits.
	for _, stop := range acts.orchestrators {
		stop()
	}
	startOrchestrator(t, c, acts)
	close(first)

	for _, v := range []string{"v1.1.0", "v1.2.0"} {
		st, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, v))
		if err != nil || st.State != workflows.Succeeded {
			t.Fatalf("%s ended %s: %v %s", v, st.State, err, st.Error)
		}
	}
	// v1.2.0 deployed nothing to prod before v1.1.0 was promoted.
	var promoted, deployed time.Time
	for _, r := range acts.take() {
		switch {
		case r.name == "Promote" && r.workflowID == workflows.ReleaseID(p.Product, "v1.1.0"):
			promoted = r.end
		case r.name == "Deploy" && strings.HasPrefix(r.workflowID, "deploy/queue/v1.2.0/prod/") && deployed.IsZero():
			deployed = r.start
		}
	}
	if promoted.IsZero() || deployed.IsZero() || deployed.Before(promoted) {
		t.Errorf("v1.1.0 promoted at %s, v1.2.0's first prod deploy at %s: want after", promoted, deployed)
	}
	now, err := rs.Running(ctx, p.Product, config.Prod)
	if err != nil {
		t.Fatal(err)
	}
	svc := now.Running["svc-01"]
	if now.Holder != nil || len(now.Queue) != 0 || svc.Version != "v1.2.0" || svc.Release != workflows.ReleaseID(p.Product, "v1.2.0") || svc.Artifact.Digest == "" {
		t.Errorf("prod's record at the end: holder %+v, queue %+v, svc-01 %+v; want v1.2.0 running, nobody holding", now.Holder, now.Queue, svc)
	}
	if stage, err := rs.Running(ctx, p.Product, config.Stage); err != nil || stage.Running["svc-01"].Version != "v1.2.0" {
		t.Errorf("stage's record: %+v, %v", stage.Running, err)
	}
	if !slices.Equal(svc.ApprovedBy, nil) {
		t.Errorf("approved by %v, want nobody (the pipeline has no prod signoff)", svc.ApprovedBy)
	}
}

// waitUntil polls cond until it holds, failing the test when ctx ends.
func waitUntil(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("never: %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
