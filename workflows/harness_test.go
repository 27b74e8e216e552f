package workflows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/internal/config"
)

// The activities here are the SDK test suite's stand-ins: these tests check
// the orchestration (order, gates, timers, refusals), not the activities,
// which have their own tests against real git, registries and processes.

const testPipeline = `
product: shop
repository:
  url: /srv/git/shop.git
tests:
  command: make test
services:
  - name: api
    order: 2
  - name: auth-server
    order: 1
environments:
  stage:
    signoffs:
      - role: qa
  prod:
    window:
      days: [mon, tue, wed, thu]
      start: "08:00"
      end: "16:00"
      timezone: America/New_York
    signoffs:
      - role: sre
approvers:
  qa: [quinn, quentin]
  sre: [sam, sasha]
release:
  managers: [maria]
`

// ny is the deploy window's zone in these tests.
var ny = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// call is one activity invocation seen by the harness.
type call struct {
	name string
	at   time.Time
	req  any
}

// harness runs a ReleaseWorkflow in the SDK test environment with stand-in
// activities that record every call and the (skipped) time it happened.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	mu    sync.Mutex
	calls []call
	// fail makes the named activity fail with a non-retryable error.
	fail map[string]string
	// block makes the named activity wait for its context to end.
	block map[string]bool
	// verdicts are the canary judge's answers, in order.
	verdicts []string
	// pending counts updates not answered yet.
	pending int
	// noBaseline makes every deploy a service's first: straight to stable.
	noBaseline bool
	// freeze is what FreezeCheck answers.
	freeze activities.Freeze
	// candidate is what CandidateCheck answers.
	candidate activities.CandidateCheck
	// open are the pull requests OpenPulls answers, one list per call.
	open [][]activities.PullRequest
}

func newHarness(t *testing.T, start time.Time) *harness {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment(), fail: map[string]string{}, block: map[string]bool{}}
	h.env.SetStartTime(start)
	Register(h.env)
	h.register(activities.CandidateCheckName, func(ctx context.Context, req activities.CandidateCheckRequest) (activities.CandidateCheck, error) {
		h.mu.Lock()
		c := h.candidate
		h.mu.Unlock()
		return c, h.record(ctx, activities.CandidateCheckName, req)
	})
	h.register(activities.OpenPullsName, func(ctx context.Context, req activities.OpenPullsRequest) ([]activities.PullRequest, error) {
		h.mu.Lock()
		var prs []activities.PullRequest
		if len(h.open) > 0 {
			prs, h.open = h.open[0], h.open[1:]
		}
		h.mu.Unlock()
		return prs, h.record(ctx, activities.OpenPullsName, req)
	})
	h.register(activities.ReleaseNotesName, func(ctx context.Context, req activities.NotesRequest) (activities.ReleaseNotes, error) {
		return activities.ReleaseNotes{Markdown: "## Fixes\n- checkout rounding\n"}, h.record(ctx, activities.ReleaseNotesName, req)
	})
	h.register(activities.CutTrainName, func(ctx context.Context, req activities.CutRequest) (string, error) {
		return "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", h.record(ctx, activities.CutTrainName, req)
	})
	h.register(activities.CherryPickName, func(ctx context.Context, req activities.PickRequest) (activities.PickResult, error) {
		return activities.PickResult{Head: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", New: len(req.Commits)}, h.record(ctx, activities.CherryPickName, req)
	})
	h.register(activities.TrainsName, func(ctx context.Context, req activities.TrainsRequest) ([]int, error) {
		return []int{99, 100, 101, 102}, h.record(ctx, activities.TrainsName, req)
	})
	h.register(activities.RollbackTargetName, func(ctx context.Context, req activities.RollbackTargetRequest) (activities.ReleaseRecord, error) {
		v := req.To
		if v == "" {
			v = "v1.100.0"
		}
		return activities.ReleaseRecord{Version: v, Commit: "fedcba9876543210fedcba9876543210fedcba98", Current: "v1.101.0", Artifacts: []activities.Artifact{
			{Service: "auth-server", Image: "127.0.0.1:5000/shop/auth-server:" + v + "-build.1-fedcba9", Digest: "sha256:" + fmt.Sprintf("%064x", 1)},
			{Service: "api", Image: "127.0.0.1:5000/shop/api:" + v + "-build.1-fedcba9", Digest: "sha256:" + fmt.Sprintf("%064x", 2)},
		}}, h.record(ctx, activities.RollbackTargetName, req)
	})
	h.register(activities.TagName, func(ctx context.Context, req activities.TagRequest) (activities.TagResult, error) {
		return activities.TagResult{Commit: "0123456789abcdef0123456789abcdef01234567", Created: true}, h.record(ctx, activities.TagName, req)
	})
	h.register(activities.RunTestsName, func(ctx context.Context, req activities.TestRequest) (activities.TestResult, error) {
		return activities.TestResult{Seconds: 1}, h.record(ctx, activities.RunTestsName, req)
	})
	h.register(activities.BuildNumberName, func(ctx context.Context, req activities.BuildNumberRequest) (int, error) {
		return 7, h.record(ctx, activities.BuildNumberName, req)
	})
	h.register(activities.BuildName, func(ctx context.Context, req activities.BuildRequest) (activities.Artifact, error) {
		return activities.Artifact{Service: req.Service, Image: "127.0.0.1:5000/shop/" + req.Service + ":" + req.Version + "-build.1-0123456", Digest: "sha256:" + fmt.Sprintf("%064x", len(req.Service))}, h.record(ctx, activities.BuildName, req)
	})
	h.register(activities.SignName, func(ctx context.Context, req activities.SignRequest) error {
		return h.record(ctx, activities.SignName, req)
	})
	h.register(activities.VerifyName, func(ctx context.Context, req activities.VerifyRequest) error {
		return h.record(ctx, activities.VerifyName, req)
	})
	h.register(activities.MigrateName, func(ctx context.Context, req activities.MigrateRequest) error {
		return h.record(ctx, activities.MigrateName, req)
	})
	h.register(activities.DeployName, func(ctx context.Context, req activities.DeployRequest) (activities.DeployOutcome, error) {
		return activities.DeployOutcome{Canary: req.Weight < 100 && !h.noBaseline}, h.record(ctx, activities.DeployName, req)
	})
	h.register(activities.TrafficName, func(ctx context.Context, req activities.TrafficRequest) error {
		return h.record(ctx, activities.TrafficName, req)
	})
	h.register(activities.AnalyzeName, func(ctx context.Context, req activities.AnalyzeRequest) (activities.Verdict, error) {
		h.mu.Lock()
		class := activities.Pass
		if len(h.verdicts) > 0 {
			class, h.verdicts = h.verdicts[0], h.verdicts[1:]
		}
		h.mu.Unlock()
		if class == "nodata" {
			// Too little traffic: marginal, score 0, over the window asked for.
			return activities.Verdict{Class: activities.Marginal, NoData: true, Window: req.Window}, h.record(ctx, activities.AnalyzeName, req)
		}
		return activities.Verdict{Class: class, Score: map[string]float64{activities.Pass: 100, activities.Marginal: 80, activities.Fail: 10}[class]}, h.record(ctx, activities.AnalyzeName, req)
	})
	h.register(activities.SmokeName, func(ctx context.Context, req activities.SmokeRequest) error {
		return h.record(ctx, activities.SmokeName, req)
	})
	h.register(activities.RollbackName, func(ctx context.Context, req activities.RollbackRequest) error {
		return h.record(ctx, activities.RollbackName, req)
	})
	h.register(activities.RetireName, func(ctx context.Context, req activities.RetireRequest) error {
		return h.record(ctx, activities.RetireName, req)
	})
	h.register(activities.PromoteName, func(ctx context.Context, req activities.PromoteRequest) error {
		return h.record(ctx, activities.PromoteName, req)
	})
	h.register(activities.FreezeCheckName, func(ctx context.Context, req activities.FreezeCheckRequest) (activities.Freeze, error) {
		h.mu.Lock()
		fz := h.freeze
		h.mu.Unlock()
		return fz, h.record(ctx, activities.FreezeCheckName, req)
	})
	h.register(activities.NotifyName, func(ctx context.Context, req activities.NotifyRequest) (activities.NotifyResult, error) {
		if req.Replace != "" {
			return activities.NotifyResult{Channel: req.Channel, TS: req.Replace}, h.record(ctx, activities.NotifyName, req)
		}
		n := len(h.called(activities.NotifyName)) + 1
		return activities.NotifyResult{Channel: "C0REL", TS: fmt.Sprintf("1700000000.%06d", n)}, h.record(ctx, activities.NotifyName, req)
	})
	return h
}

func (h *harness) register(name string, fn any) {
	h.env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
}

// record notes a call at the test clock's time and applies fail and block.
func (h *harness) record(ctx context.Context, name string, req any) error {
	h.mu.Lock()
	h.calls = append(h.calls, call{name: name, at: h.env.Now(), req: req})
	msg, fail := h.fail[name]
	block := h.block[name]
	h.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	if fail {
		return temporal.NewNonRetryableApplicationError(msg, "TestFailure", nil)
	}
	return nil
}

// called returns the calls of one activity.
func (h *harness) called(name string) []call {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []call
	for _, c := range h.calls {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// input builds a release input from testPipeline, optionally edited.
func input(t *testing.T, edit func(*config.Pipeline)) ReleaseInput {
	t.Helper()
	p, err := config.Parse("signalman.yaml", []byte(testPipeline))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	return ReleaseInput{Pipeline: *p, Version: "v1.101.0", TriggeredBy: "alice"}
}

// at schedules fn at an offset from the workflow's start.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// expect sends an update; want "" expects it accepted, anything else a
// refusal whose reason contains want. The test environment answers updates
// asynchronously, so expect counts the answers and the harness checks at the
// end that every update was answered.
func (h *harness) expect(name string, req any, want string) {
	h.mu.Lock()
	h.pending++
	h.mu.Unlock()
	answered := func() {
		h.mu.Lock()
		h.pending--
		h.mu.Unlock()
	}
	h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnReject: func(err error) {
			answered()
			switch {
			case want == "":
				h.t.Errorf("%s %+v refused: %v", name, req, err)
			case !strings.Contains(err.Error(), want):
				h.t.Errorf("%s %+v refused with %q, want it to contain %q", name, req, err.Error(), want)
			}
		},
		OnAccept: func() {
			answered()
			if want != "" {
				h.t.Errorf("%s %+v accepted, want a refusal containing %q", name, req, want)
			}
		},
		OnComplete: func(any, error) {},
	}, req)
}

// mustUpdate sends an update that must be accepted.
func (h *harness) mustUpdate(name string, req any) { h.expect(name, req, "") }

// status queries the release's status.
func (h *harness) status() Status {
	v, err := h.env.QueryWorkflow(QueryStatus)
	if err != nil {
		h.t.Fatalf("query status: %v", err)
	}
	var st Status
	if err := v.Get(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// result returns the final status and the workflow's error.
func (h *harness) result() (Status, error) {
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("release did not complete")
	}
	if h.pending != 0 {
		h.t.Errorf("%d update(s) never answered", h.pending)
	}
	err := h.env.GetWorkflowError()
	var st Status
	if err == nil {
		if gerr := h.env.GetWorkflowResult(&st); gerr != nil {
			h.t.Fatal(gerr)
		}
		return st, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() {
		_ = app.Details(&st)
	}
	return st, err
}

// approveAll signs QA off at qa and approves prod at sre (offsets from start).
func (h *harness) approveAll(qa, sre time.Duration) {
	h.at(qa, func() { h.mustUpdate(Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green}) })
	h.at(sre, func() { h.mustUpdate(Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green}) })
}
