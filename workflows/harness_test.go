package workflows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
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
auth: claimed
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
	// retryAfter makes the named activity's first attempt fail with a
	// retryable error that asks to be retried after the given time.
	retryAfter map[string]time.Duration
	// verdicts are the canary judge's answers, in order.
	verdicts []string
	// pending counts updates not answered yet.
	pending int
	// noBaseline makes every deploy a service's first: straight to stable.
	noBaseline bool
	// freeze is what FreezeCheck answers.
	freeze contract.Freeze
	// running is what each environment's record says runs there, by
	// service; the release's deploys and rollbacks update it.
	running map[string]map[string]contract.Running
	// envSignals are the signals sent to environment records, as
	// "env/shop/prod let-go release/shop/v1.101.0".
	envSignals []string
	// candidate is what CandidateCheck answers.
	candidate contract.CandidateCheck
	// open are the pull requests OpenPulls answers, one list per call.
	open [][]contract.PullRequest
	// findings are what the vulnerability scan finds in each image, by
	// the environment it checks before ("" after the build).
	findings map[string][]contract.Finding
	// touched are the paths CherryPick says the picks change.
	touched []string
}

func newHarness(t *testing.T, start time.Time) *harness {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment(), fail: map[string]string{}, block: map[string]bool{}}
	h.env.SetStartTime(start)
	Register(h.env)
	h.register(contract.CandidateCheckName, func(ctx context.Context, req contract.CandidateCheckRequest) (contract.CandidateCheck, error) {
		h.mu.Lock()
		c := h.candidate
		h.mu.Unlock()
		return c, h.record(ctx, contract.CandidateCheckName, req)
	})
	h.register(contract.OpenPullsName, func(ctx context.Context, req contract.OpenPullsRequest) ([]contract.PullRequest, error) {
		h.mu.Lock()
		var prs []contract.PullRequest
		if len(h.open) > 0 {
			prs, h.open = h.open[0], h.open[1:]
		}
		h.mu.Unlock()
		return prs, h.record(ctx, contract.OpenPullsName, req)
	})
	h.register(contract.ReleaseNotesName, func(ctx context.Context, req contract.NotesRequest) (contract.ReleaseNotes, error) {
		return contract.ReleaseNotes{Markdown: "## Fixes\n- checkout rounding\n"}, h.record(ctx, contract.ReleaseNotesName, req)
	})
	h.register(contract.CutTrainName, func(ctx context.Context, req contract.CutRequest) (string, error) {
		return "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", h.record(ctx, contract.CutTrainName, req)
	})
	h.register(contract.CherryPickName, func(ctx context.Context, req contract.PickRequest) (contract.PickResult, error) {
		return contract.PickResult{Head: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", New: len(req.Commits), Touched: h.touched}, h.record(ctx, contract.CherryPickName, req)
	})
	h.register(contract.DescribeCommitsName, func(ctx context.Context, req contract.DescribeRequest) ([]contract.CommitInfo, error) {
		var out []contract.CommitInfo
		for _, c := range req.Commits {
			out = append(out, contract.CommitInfo{SHA: c, Author: "Ana Lopez", Subject: "fix: change " + c})
		}
		return out, h.record(ctx, contract.DescribeCommitsName, req)
	})
	h.register(contract.UpliftName, func(ctx context.Context, req contract.UpliftRequest) (contract.UpliftResult, error) {
		return contract.UpliftResult{Head: "cccccccccccccccccccccccccccccccccccccccc"}, h.record(ctx, contract.UpliftName, req)
	})
	h.register(contract.TrainsName, func(ctx context.Context, req contract.TrainsRequest) ([]int, error) {
		return []int{99, 100, 101, 102}, h.record(ctx, contract.TrainsName, req)
	})
	h.register(contract.RollbackTargetName, func(ctx context.Context, req contract.RollbackTargetRequest) (contract.ReleaseRecord, error) {
		v := req.To
		if v == "" {
			v = "v1.100.0"
		}
		return contract.ReleaseRecord{Version: v, Commit: "fedcba9876543210fedcba9876543210fedcba98", Current: "v1.101.0", Artifacts: []contract.Artifact{
			{Service: "auth-server", Image: "127.0.0.1:5000/shop/auth-server:" + v + "-build.1-fedcba9", Digest: "sha256:" + fmt.Sprintf("%064x", 1)},
			{Service: "api", Image: "127.0.0.1:5000/shop/api:" + v + "-build.1-fedcba9", Digest: "sha256:" + fmt.Sprintf("%064x", 2)},
		}}, h.record(ctx, contract.RollbackTargetName, req)
	})
	h.register(contract.TagName, func(ctx context.Context, req contract.TagRequest) (contract.TagResult, error) {
		return contract.TagResult{Commit: "0123456789abcdef0123456789abcdef01234567", Created: true}, h.record(ctx, contract.TagName, req)
	})
	h.register(contract.RunTestsName, func(ctx context.Context, req contract.TestRequest) (contract.TestResult, error) {
		return contract.TestResult{Seconds: 1}, h.record(ctx, contract.RunTestsName, req)
	})
	h.register(contract.BuildNumberName, func(ctx context.Context, req contract.BuildNumberRequest) (int, error) {
		return 7, h.record(ctx, contract.BuildNumberName, req)
	})
	h.register(contract.BuildName, func(ctx context.Context, req contract.BuildRequest) (contract.Artifact, error) {
		return contract.Artifact{Service: req.Service, Image: "127.0.0.1:5000/shop/" + req.Service + ":" + req.Version + "-build.1-0123456", Digest: "sha256:" + fmt.Sprintf("%064x", len(req.Service))}, h.record(ctx, contract.BuildName, req)
	})
	h.register(contract.SignName, func(ctx context.Context, req contract.SignRequest) error {
		return h.record(ctx, contract.SignName, req)
	})
	h.register(contract.ScanName, func(ctx context.Context, req contract.ScanRequest) (contract.ScanResult, error) {
		h.mu.Lock()
		found := h.findings[req.Env]
		h.mu.Unlock()
		return contract.ScanResult{Service: req.Artifact.Service, Digest: req.Artifact.Digest, Env: req.Env, Findings: found}, h.record(ctx, contract.ScanName, req)
	})
	h.register(contract.VerifyName, func(ctx context.Context, req contract.VerifyRequest) error {
		return h.record(ctx, contract.VerifyName, req)
	})
	h.register(contract.MigrateName, func(ctx context.Context, req contract.MigrateRequest) error {
		return h.record(ctx, contract.MigrateName, req)
	})
	h.register(contract.DeployName, func(ctx context.Context, req contract.DeployRequest) (contract.DeployOutcome, error) {
		return contract.DeployOutcome{Canary: req.Weight < 100 && !h.noBaseline}, h.record(ctx, contract.DeployName, req)
	})
	h.register(contract.TrafficName, func(ctx context.Context, req contract.TrafficRequest) error {
		return h.record(ctx, contract.TrafficName, req)
	})
	h.register(contract.AnalyzeName, func(ctx context.Context, req contract.AnalyzeRequest) (contract.Verdict, error) {
		h.mu.Lock()
		class := contract.Pass
		if len(h.verdicts) > 0 {
			class, h.verdicts = h.verdicts[0], h.verdicts[1:]
		}
		h.mu.Unlock()
		if class == "nodata" {
			// Too little traffic: marginal, score 0, over the window asked for.
			return contract.Verdict{Class: contract.Marginal, NoData: true, Window: req.Window}, h.record(ctx, contract.AnalyzeName, req)
		}
		return contract.Verdict{Class: class, Score: map[string]float64{contract.Pass: 100, contract.Marginal: 80, contract.Fail: 10}[class]}, h.record(ctx, contract.AnalyzeName, req)
	})
	h.register(contract.SmokeName, func(ctx context.Context, req contract.SmokeRequest) error {
		return h.record(ctx, contract.SmokeName, req)
	})
	h.register(contract.RollbackName, func(ctx context.Context, req contract.RollbackRequest) error {
		return h.record(ctx, contract.RollbackName, req)
	})
	h.register(contract.RetireName, func(ctx context.Context, req contract.RetireRequest) error {
		return h.record(ctx, contract.RetireName, req)
	})
	h.register(contract.PromoteName, func(ctx context.Context, req contract.PromoteRequest) error {
		return h.record(ctx, contract.PromoteName, req)
	})
	h.running = map[string]map[string]contract.Running{}
	h.register(contract.ClaimEnvName, func(ctx context.Context, req contract.ClaimRequest) (contract.Grant, error) {
		h.mu.Lock()
		g := contract.Grant{Granted: true, Running: maps.Clone(h.running[req.Env])}
		h.mu.Unlock()
		return g, h.record(ctx, contract.ClaimEnvName, req)
	})
	h.register(contract.ReadEnvName, func(ctx context.Context, req contract.ReadEnvRequest) (contract.EnvState, error) {
		h.mu.Lock()
		st := contract.EnvState{Product: req.Product, Env: req.Env, Running: maps.Clone(h.running[req.Env])}
		h.mu.Unlock()
		return st, h.record(ctx, contract.ReadEnvName, req)
	})
	for _, name := range []string{contract.EnvLetGo, contract.EnvDeployed} {
		h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", name, mock.Anything).Return(
			func(_, id, _, name string, arg any) error {
				h.mu.Lock()
				defer h.mu.Unlock()
				switch a := arg.(type) {
				case string:
					h.envSignals = append(h.envSignals, id+" "+name+" "+a)
				case contract.Running:
					h.envSignals = append(h.envSignals, fmt.Sprintf("%s %s %s %s", id, name, a.Service, a.Version))
					env := strings.TrimPrefix(id, "env/shop/")
					if h.running[env] == nil {
						h.running[env] = map[string]contract.Running{}
					}
					h.running[env][a.Service] = a
				}
				return nil
			})
	}
	h.register(contract.FreezeCheckName, func(ctx context.Context, req contract.FreezeCheckRequest) (contract.Freeze, error) {
		h.mu.Lock()
		fz := h.freeze
		h.mu.Unlock()
		return fz, h.record(ctx, contract.FreezeCheckName, req)
	})
	h.register(contract.NotifyName, func(ctx context.Context, req contract.NotifyRequest) (contract.NotifyResult, error) {
		if req.Replace != "" {
			return contract.NotifyResult{Channel: req.Channel, TS: req.Replace}, h.record(ctx, contract.NotifyName, req)
		}
		n := len(h.called(contract.NotifyName)) + 1
		return contract.NotifyResult{Channel: "C0REL", TS: fmt.Sprintf("1700000000.%06d", n)}, h.record(ctx, contract.NotifyName, req)
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
	after := h.retryAfter[name]
	h.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	if after > 0 && activity.GetInfo(ctx).Attempt == 1 {
		return temporal.NewApplicationErrorWithOptions(name+" is overloaded", "Overloaded", temporal.ApplicationErrorOptions{NextRetryDelay: after})
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
	v, err := h.env.QueryWorkflow(contract.QueryStatus)
	if err != nil {
		h.t.Fatalf("query status: %v", err)
	}
	var st Status
	if err := v.Get(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// succeeded runs the release and returns its final status, ending the
// test unless it succeeded.
func (h *harness) succeeded(in ReleaseInput) Status {
	h.t.Helper()
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err != nil {
		h.t.Fatalf("release failed: %v", err)
	}
	if st.State != Succeeded {
		h.t.Fatalf("state = %s: %s", st.State, st.Error)
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
	h.at(qa, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green})
	})
	h.at(sre, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green})
	})
}

// trainStatus queries a train's status.
func (h *harness) trainStatus() TrainStatus {
	v, err := h.env.QueryWorkflow(contract.QueryStatus)
	if err != nil {
		h.t.Fatalf("query status: %v", err)
	}
	var st TrainStatus
	if err := v.Get(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}
