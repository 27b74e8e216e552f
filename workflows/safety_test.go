package workflows

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/window"
)

// fourServices is withCanary with four services and a one-step canary
// on prod, which fails wherever the harness's verdicts say.
func fourServices(p *config.Pipeline) {
	withCanary(p)
	p.Services = append(p.Services, config.Service{Name: "web", Order: 3}, config.Service{Name: "search", Order: 4})
	prod := p.Environments[config.Prod]
	prod.Canary.Steps = prod.Canary.Steps[:1]
	p.Environments[config.Prod] = prod
}

// earlier makes every service of p run v1.100.0 in env, as the
// environment's record would say.
func (h *harness) earlier(p config.Pipeline, env, version string) {
	h.running[env] = map[string]contract.Running{}
	for i, s := range p.Services {
		h.running[env][s.Name] = contract.Running{
			Service: s.Name, Version: version, Commit: "fedcba9876543210fedcba9876543210fedcba98",
			Artifact: contract.Artifact{Service: s.Name, Image: "127.0.0.1:5000/shop/" + s.Name + ":" + version, Digest: fmt.Sprintf("sha256:%064x", 100+i)},
			Release:  "release/shop/" + version,
		}
	}
}

func TestSafety_rollback_release_after_the_third_of_four_fails_leaves_all_four_on_the_previous_digest(t *testing.T) {
	h := newHarness(t, thursday2pm)
	in := input(t, fourServices)
	h.earlier(in.Pipeline, config.Prod, "v1.100.0")
	before := h.running[config.Prod]
	h.verdicts = []string{contract.Pass, contract.Pass, contract.Fail}
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err == nil || st.State != Failed {
		t.Fatalf("state %s, error %v: want failed", st.State, err)
	}
	for _, want := range []string{"web failed on prod", "rolled back with it: api to v1.100.0, auth-server to v1.100.0"} {
		if !strings.Contains(st.Error, want) {
			t.Errorf("error %q does not say %q", st.Error, want)
		}
	}
	for name, r := range h.running[config.Prod] {
		if r.Version != "v1.100.0" || r.Artifact.Digest != before[name].Artifact.Digest {
			t.Errorf("%s runs %s %s in prod, want v1.100.0 %s", name, r.Version, r.Artifact.Digest, before[name].Artifact.Digest)
		}
	}
	// web's own deploy rolled it back; the two before it were deployed
	// again from their earlier digests, in reverse order; search was
	// never touched.
	var prod []string
	for _, c := range h.called(contract.DeployName) {
		if d := c.req.(contract.DeployRequest); d.Env == config.Prod {
			prod = append(prod, d.Service.Name+"@"+d.Version+"/"+d.Artifact.Digest[len(d.Artifact.Digest)-3:])
		}
	}
	want := []string{"auth-server@v1.101.0/00b", "api@v1.101.0/003", "web@v1.101.0/003", "api@v1.100.0/064", "auth-server@v1.100.0/065"}
	if !slices.Equal(prod, want) {
		t.Errorf("prod deploys %v, want %v", prod, want)
	}
	if n := len(h.called(contract.RollbackName)); n != 1 {
		t.Errorf("%d router rollbacks, want web's one", n)
	}
	var rolled []string
	for _, d := range st.Deploys {
		if d.Env == config.Prod && d.Outcome == RolledBack {
			rolled = append(rolled, d.Service)
			if d.Service != "web" && !strings.Contains(d.Reason, "rolled back with the release: web failed on prod") {
				t.Errorf("%s rolled back because %q", d.Service, d.Reason)
			}
		}
	}
	if slices.Sort(rolled); !slices.Equal(rolled, []string{"api", "auth-server", "web"}) {
		t.Errorf("status names %v as rolled back, want api, auth-server, web", rolled)
	}
	if !slices.Contains(h.envSignals, "env/shop/prod let-go "+releaseID) {
		t.Errorf("the failed release never let go of prod: %v", h.envSignals)
	}
}

// releaseID is the workflow ID the SDK test environment gives a release.
const releaseID = "default-test-workflow-id"

func TestSafety_continue_on_stage_deploys_the_others_and_never_reaches_prod(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.fail[contract.VerifyName] = "no valid signature for the configured key"
	in := input(t, withCanary)
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err == nil || !strings.Contains(st.Error, "2 of 2 service(s) failed on stage (the others were deployed all the same)") {
		t.Fatalf("error %v, status error %q", err, st.Error)
	}
	if n := len(h.called(contract.VerifyName)); n != 2 {
		t.Errorf("%d verifications on stage, want both services tried", n)
	}
	for _, c := range h.called(contract.ClaimEnvName) {
		if c.req.(contract.ClaimRequest).Env == config.Prod {
			t.Error("a release that failed on stage claimed prod")
		}
	}
}

func TestSafety_alphabetical_order(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, func(p *config.Pipeline) {
		withCanary(p)
		e := p.Environments[config.Stage]
		e.Order = config.OrderAlphabetical
		p.Environments[config.Stage] = e
	}))
	if _, err := h.result(); err != nil {
		t.Fatal(err)
	}
	var stage, prod []string
	for _, c := range h.called(contract.DeployName) {
		d := c.req.(contract.DeployRequest)
		if d.Env == config.Stage {
			stage = append(stage, d.Service.Name)
		} else {
			prod = append(prod, d.Service.Name)
		}
	}
	if !slices.Equal(stage, []string{"api", "auth-server"}) || !slices.Equal(prod, []string{"auth-server", "api"}) {
		t.Errorf("stage deployed %v (want alphabetical), prod %v (want configured)", stage, prod)
	}
}

func TestSafety_windows(t *testing.T) {
	longCanary := func(p *config.Pipeline) {
		withCanary(p)
		prod := p.Environments[config.Prod]
		prod.Window = nil // the default window
		prod.Canary.Steps = []config.CanaryStep{{Weight: 10, Pause: 30 * time.Minute}, {Weight: 50, Pause: 30 * time.Minute}}
		p.Environments[config.Prod] = prod
	}
	monday8 := time.Date(2026, 11, 23, 8, 0, 0, 0, ny)
	for _, tc := range []struct {
		name  string
		start time.Time
		edit  func(*config.Pipeline)
		// want are the times each prod service's deploy starts.
		want []time.Time
	}{
		{
			name: "a_canary_that_would_cross_16_00_waits_until_monday_08_00", start: thursday2pm, edit: longCanary,
			want: []time.Time{thursday2pm, monday8},
		},
		{
			name: "a_pipeline_with_no_window_refuses_a_friday_deploy", start: time.Date(2026, 11, 20, 10, 0, 0, 0, ny),
			edit: func(p *config.Pipeline) {
				withCanary(p)
				prod := p.Environments[config.Prod]
				prod.Window = nil
				p.Environments[config.Prod] = prod
			},
			want: []time.Time{monday8, monday8.Add(15*time.Minute + 0)},
		},
		{
			name: "a_stage_window_holds_stage_deploys", start: time.Date(2026, 11, 20, 10, 0, 0, 0, ny),
			edit: func(p *config.Pipeline) {
				withCanary(p)
				st := p.Environments[config.Stage]
				st.Window = &window.Spec{}
				p.Environments[config.Stage] = st
				prod := p.Environments[config.Prod]
				prod.Canary = nil
				p.Environments[config.Prod] = prod
			},
			want: []time.Time{monday8, monday8},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.start)
			h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, tc.edit))
			if _, err := h.result(); err != nil {
				t.Fatal(err)
			}
			var got []time.Time
			for _, c := range h.called(contract.DeployName) {
				if c.req.(contract.DeployRequest).Env == config.Prod {
					got = append(got, c.at)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d prod deploys, want %d", len(got), len(tc.want))
			}
			for i := range got {
				// A deploy starts within a minute of its turn (the
				// stand-in activities take no time, timers do).
				if d := got[i].Sub(tc.want[i]); d < 0 || d > time.Minute {
					t.Errorf("prod deploy %d at %s, want %s", i+1, got[i].In(ny).Format(time.RFC3339), tc.want[i].In(ny).Format(time.RFC3339))
				}
			}
		})
	}
}

func TestSafety_downgrade(t *testing.T) {
	t.Run("is_refused_with_the_version_running", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		in := input(t, withCanary)
		h.earlier(in.Pipeline, config.Prod, "v1.102.0")
		h.env.ExecuteWorkflow(ReleaseWorkflow, in)
		st, err := h.result()
		if err == nil || !strings.Contains(st.Error, "v1.102.0 runs in prod") || !strings.Contains(st.Error, "a fix to train 101 goes on to train 102") {
			t.Fatalf("error %v, status error %q", err, st.Error)
		}
		for _, c := range h.called(contract.DeployName) {
			if c.req.(contract.DeployRequest).Env == config.Prod {
				t.Error("an older version was deployed to prod")
			}
		}
	})
	t.Run("goes_through_with_an_approved_exception", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		in := input(t, nil)
		h.earlier(in.Pipeline, config.Prod, "v1.102.0")
		h.approveAll(30*time.Minute, time.Hour)
		h.at(45*time.Minute, func() {
			h.mustUpdate(contract.OverrideWindow, OverrideRequest{Person: "sasha", Reason: ProdDown, Justification: "v1.102.0 corrupts carts, INC-7"})
		})
		h.env.ExecuteWorkflow(ReleaseWorkflow, in)
		if _, err := h.result(); err != nil {
			t.Fatal(err)
		}
		if got := h.running[config.Prod]["api"].Version; got != "v1.101.0" {
			t.Errorf("api runs %s in prod, want v1.101.0", got)
		}
	})
}

func TestEnvironmentWorkflow_one_at_a_time_in_order_rollbacks_first(t *testing.T) {
	env := newHarness(t, monday9am).env
	var granted []string
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.EnvGranted, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error {
			if g, ok := arg.(contract.Grant); !ok || !g.Granted || g.Running["api"].Version != "v1.100.0" {
				t.Errorf("%s granted %+v, want a grant that says what runs", id, arg)
			}
			granted = append(granted, id)
			return nil
		})
	answers := map[string]contract.Grant{}
	claim := func(at time.Duration, c contract.Claim) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(contract.EnvClaim, c.ID, &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("claim by %s refused: %v", c.ID, err) }, OnAccept: func() {},
				OnComplete: func(v any, err error) {
					if err != nil {
						t.Errorf("claim by %s: %v", c.ID, err)
						return
					}
					answers[c.ID] = v.(contract.Grant)
				},
			}, c)
		}, at)
	}
	signal := func(at time.Duration, name string, arg any) {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, at)
	}
	signal(time.Second, contract.EnvDeployed, contract.Running{Service: "api", Version: "v1.100.0"})
	claim(2*time.Second, contract.Claim{ID: "release/shop/v1.101.0", Version: "v1.101.0"})
	claim(3*time.Second, contract.Claim{ID: "release/shop/v1.102.0", Version: "v1.102.0"})
	claim(4*time.Second, contract.Claim{ID: "release/shop/v1.103.0", Version: "v1.103.0"})
	claim(5*time.Second, contract.Claim{ID: "rollback/shop/prod", Rollback: true})
	// The third release gives up while it waits (an abort).
	signal(6*time.Second, contract.EnvLetGo, "release/shop/v1.103.0")
	signal(7*time.Second, contract.EnvLetGo, "release/shop/v1.101.0")
	signal(8*time.Second, contract.EnvLetGo, "rollback/shop/prod")
	var last contract.EnvState
	var details string
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryEnv)
		if err == nil {
			err = v.Get(&last)
		}
		if err != nil {
			t.Error(err)
		}
		// What the Temporal UI shows of the record.
		var md sdkpb.WorkflowMetadata
		if v, err := env.QueryWorkflow("__temporal_workflow_metadata"); err != nil || v.Get(&md) != nil {
			t.Errorf("record's metadata: %v", err)
		}
		details = md.GetCurrentDetails()
		env.CancelWorkflow()
	}, 9*time.Second)
	env.ExecuteWorkflow(EnvironmentWorkflow, contract.EnvState{Product: "shop", Env: "prod"})

	if g := answers["release/shop/v1.101.0"]; !g.Granted {
		t.Errorf("first claim answered %+v, want granted", g)
	}
	if g := answers["release/shop/v1.102.0"]; g.Granted || g.Position != 1 || g.Holder.Version != "v1.101.0" {
		t.Errorf("second claim answered %+v, want first in line behind v1.101.0", g)
	}
	if g := answers["rollback/shop/prod"]; g.Granted || g.Position != 1 {
		t.Errorf("rollback's claim answered %+v, want first in line, ahead of the waiting releases", g)
	}
	if want := []string{"rollback/shop/prod", "release/shop/v1.102.0"}; !slices.Equal(granted, want) {
		t.Errorf("turns went to %v, want %v", granted, want)
	}
	if last.Holder == nil || last.Holder.ID != "release/shop/v1.102.0" || len(last.Queue) != 0 {
		t.Errorf("record at the end: holder %+v, queue %+v", last.Holder, last.Queue)
	}
	for _, want := range []string{"**shop prod**: held by release/shop/v1.102.0 (v1.102.0)", "| api | v1.100.0 |"} {
		if !strings.Contains(details, want) {
			t.Errorf("the record's current details lack %q:\n%s", want, details)
		}
	}
}

func TestSafety_bake(t *testing.T) {
	baking := func(p *config.Pipeline) {
		withCanary(p)
		prod := p.Environments[config.Prod]
		prod.Bake = 30 * time.Minute
		p.Environments[config.Prod] = prod
	}
	t.Run("keeps_the_previous_version_until_the_bake_ends", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, baking))
		if _, err := h.result(); err != nil {
			t.Fatal(err)
		}
		var full, retired time.Time
		for _, c := range h.called(contract.TrafficName) {
			if r := c.req.(contract.TrafficRequest); r.Env == config.Prod && r.Service == "auth-server" && r.Weight == 100 {
				full = c.at
			}
		}
		for _, c := range h.called(contract.RetireName) {
			if r := c.req.(contract.RetireRequest); r.Env == config.Prod && r.Service == "auth-server" {
				retired = c.at
			}
		}
		if full.IsZero() || retired.Sub(full) != 30*time.Minute {
			t.Errorf("auth-server took all traffic at %s and its previous version was retired at %s: want 30m later", full, retired)
		}
		bakes := 0
		for _, c := range h.called(contract.AnalyzeName) {
			if r := c.req.(contract.AnalyzeRequest); !r.Baseline.IsZero() {
				bakes++
				if !r.Baseline.Equal(full) && r.Service == "auth-server" {
					t.Errorf("bake judged against the baseline before %s, want before %s", r.Baseline, full)
				}
			}
		}
		if bakes != 12 {
			t.Errorf("%d bake analyses, want 6 for each of 2 services (twice every 10m for 30m)", bakes)
		}
	})
	t.Run("a_degradation_switches_back_at_once_and_fails_the_release", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.verdicts = []string{contract.Pass, contract.Pass, contract.Pass, contract.Fail}
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, baking))
		st, err := h.result()
		if err == nil || !strings.Contains(st.Error, "bake: degraded 10m0s after taking all the traffic") {
			t.Fatalf("error %v, status error %q", err, st.Error)
		}
		rb := h.called(contract.RollbackName)
		an := h.called(contract.AnalyzeName)
		if len(rb) != 1 || !rb[0].at.Equal(an[len(an)-1].at) {
			t.Errorf("rollbacks %v: want one, at the failing bake analysis (%s)", rb, an[len(an)-1].at)
		}
		if len(h.called(contract.RetireName)) != 2 {
			t.Errorf("retired %d times, want only stage's two: prod's previous version must keep running", len(h.called(contract.RetireName)))
		}
	})
}
