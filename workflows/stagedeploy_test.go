package workflows

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// stagePipeline is testPipeline with a build context for each service,
// so that a change touches one service, not all.
func stagePipeline(t *testing.T) config.Pipeline {
	t.Helper()
	return input(t, func(p *config.Pipeline) {
		for i := range p.Services {
			p.Services[i].Build.Context = "./services/" + p.Services[i].Name + "/"
		}
	}).Pipeline
}

// stageDeploy runs a temporary stage deploy in h as alice, under its own
// workflow ID, and returns its result and error.
func stageDeploy(h *harness, in StageDeployInput) (StageDeployStatus, error) {
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: StageDeployID(in.Pipeline.Product, in.Name)})
	h.env.ExecuteWorkflow(StageDeployWorkflow, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("the stage deploy did not complete")
	}
	var st StageDeployStatus
	if err := h.env.GetWorkflowError(); err != nil {
		return st, err
	}
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	return st, nil
}

// TestStageDeploy_deploys_only_the_touched_service picks a change to the
// api onto stage/checkout-fix from train 101: only the api is built,
// signed with the non-release key and deployed, to stage only, and
// stage's record says it is temporary, by alice, since when.
func TestStageDeploy_deploys_only_the_touched_service(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.touched = []string{"README.md", "services/api/checkout.go"}
	st, err := stageDeploy(h, StageDeployInput{Pipeline: stagePipeline(t), Name: "checkout-fix", Train: 101, Picks: []string{"abc1234"}, By: "alice"})
	if err != nil {
		t.Fatalf("stage deploy failed: %v", err)
	}
	const want = "stage/checkout-fix-bbbbbbb"
	if st.Outcome != Deployed || st.Version != want || !slices.Equal(st.Services, []string{"api"}) {
		t.Fatalf("status = %+v; want %s of the api deployed", st, want)
	}
	picks := h.called(contract.CherryPickName)
	if len(picks) != 1 {
		t.Fatalf("%d cherry-picks, want 1", len(picks))
	}
	if req := picks[0].req.(contract.PickRequest); req.Branch != "stage/checkout-fix" || req.Base != "train-101" || req.Train != 101 || !slices.Equal(req.Commits, []string{"abc1234"}) {
		t.Errorf("pick request = %+v; want abc1234 onto stage/checkout-fix from train-101", req)
	}
	builds := h.called(contract.BuildName)
	if len(builds) != 1 || builds[0].req.(contract.BuildRequest).Service != "api" || builds[0].req.(contract.BuildRequest).Version != want {
		t.Fatalf("builds = %+v; want the api's alone, named %s", builds, want)
	}
	for _, s := range h.called(contract.SignName) {
		if s.req.(contract.SignRequest).Key != contract.FollowKey {
			t.Errorf("signed with key %q, want the non-release key %q", s.req.(contract.SignRequest).Key, contract.FollowKey)
		}
	}
	for _, d := range h.called(contract.DeployName) {
		if req := d.req.(contract.DeployRequest); req.Env != config.Stage || req.Service.Name != "api" {
			t.Errorf("deployed %s to %s; want the api to stage only", req.Service.Name, req.Env)
		}
	}
	if len(h.called(contract.DeployName)) == 0 {
		t.Error("nothing was deployed")
	}
	if claims := h.called(contract.ClaimEnvName); len(claims) != 1 || claims[0].req.(contract.ClaimRequest).Env != config.Stage {
		t.Errorf("claims = %+v; want stage's, once", claims)
	}
	if !slices.Contains(h.envSignals, "env/shop/stage let-go "+StageDeployID("shop", "checkout-fix")) {
		t.Errorf("stage was not let go: %v", h.envSignals)
	}
	rec := h.running[config.Stage]
	if len(rec) != 1 || !rec["api"].Temporary || rec["api"].DeployedBy != "alice" || rec["api"].Version != want || !rec["api"].Since.Equal(thursday2pm) {
		t.Fatalf("stage's record = %+v; want the api alone, temporary, by alice since the start", rec)
	}
	lines := contract.EnvState{Env: config.Stage, Running: rec}.Temporaries()
	if len(lines) != 1 || lines[0] != "temporary deploy "+want+" by alice since 2026-11-19 19:00 UTC (api)" {
		t.Errorf("what running says = %q", lines)
	}
}

// TestStageDeploy_is_replaced_by_the_next_release takes stage's record
// after a temporary deploy of the api into a release of v1.101.0: its
// stage deploy replaces every service, and the record no longer says
// anything runs there temporarily.
func TestStageDeploy_is_replaced_by_the_next_release(t *testing.T) {
	tmp := newHarness(t, thursday2pm)
	tmp.touched = []string{"services/api/checkout.go"}
	if _, err := stageDeploy(tmp, StageDeployInput{Pipeline: stagePipeline(t), Name: "checkout-fix", Train: 101, Picks: []string{"abc1234"}, By: "alice"}); err != nil {
		t.Fatal(err)
	}
	if got := (contract.EnvState{Running: tmp.running[config.Stage]}).Temporaries(); len(got) != 1 {
		t.Fatalf("after the temporary deploy, stage says %q", got)
	}

	h := newHarness(t, thursday2pm.Add(time.Hour))
	h.running[config.Stage] = maps.Clone(tmp.running[config.Stage])
	h.approveAll(30*time.Minute, time.Hour)
	in := input(t, nil)
	in.Pipeline = stagePipeline(t)
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	if _, err := h.result(); err != nil {
		t.Fatalf("release failed: %v", err)
	}
	for _, svc := range []string{"api", "auth-server"} {
		r := h.running[config.Stage][svc]
		if r.Version != "v1.101.0" || r.Temporary || r.DeployedBy != "" {
			t.Errorf("stage's %s after the release = %+v; want v1.101.0, not temporary", svc, r)
		}
	}
	if got := (contract.EnvState{Running: h.running[config.Stage]}).Temporaries(); len(got) != 0 {
		t.Errorf("after the release, stage still says %q", got)
	}
}

// TestStageDeploy_bad_input: each request is refused with why, before
// anything is picked or built.
func TestStageDeploy_bad_input(t *testing.T) {
	noStage := stagePipeline(t)
	noStage.Environments = map[string]config.Environment{"dev": {}, config.Prod: noStage.Environments[config.Prod]}
	for _, tc := range []struct {
		name    string
		in      StageDeployInput
		touched []string
		want    string
		picks   int
	}{
		{"a_version_tag_is_no_name", StageDeployInput{Name: "v1.101.0"}, nil, `stage-deploy name "v1.101.0" looks like a release version`, 0},
		{"a_version_shaped_name_is_no_name", StageDeployInput{Name: "v2-hotfix"}, nil, `"v2-hotfix" looks like a release version`, 0},
		{"capitals_and_underscores", StageDeployInput{Name: "Checkout_Fix"}, nil, "want lowercase letters, digits and dashes", 0},
		{"a_pipeline_without_stage", StageDeployInput{Name: "checkout-fix", Pipeline: noStage}, nil, "the pipeline has no environment named stage (it has ", 0},
		{"an_unknown_service", StageDeployInput{Name: "checkout-fix", Services: []string{"cart"}}, nil, `no service "cart" in the pipeline (services: auth-server, api)`, 0},
		{"picks_that_touch_no_service", StageDeployInput{Name: "checkout-fix"}, []string{"docs/runbook.md"}, "the picks touch no service's build context (they touch docs/runbook.md; the contexts are auth-server services/auth-server, api services/api); name the services to deploy with --service", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			h.touched = tc.touched
			in := tc.in
			if in.Pipeline.Product == "" {
				in.Pipeline = stagePipeline(t)
			}
			in.Train, in.Picks, in.By = 101, []string{"abc1234"}, "alice"
			_, err := stageDeploy(h, in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("stage deploy: %v; want an error saying %q", err, tc.want)
			}
			if n := len(h.called(contract.CherryPickName)); n != tc.picks {
				t.Errorf("%d cherry-pick(s), want %d", n, tc.picks)
			}
			if n := len(h.called(contract.BuildName)); n != 0 {
				t.Errorf("%d build(s) after bad input", n)
			}
		})
	}
}

// TestStageDeploy_named_services_and_context_root: --service picks the
// services whatever the picks touch, and a service built from the whole
// repository (context ".") is touched by every change.
func TestStageDeploy_named_services_and_context_root(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services []string
		root     bool
		want     []string
	}{
		{"named_service_alone", []string{"auth-server"}, false, []string{"auth-server"}},
		{"context_root_is_always_touched", nil, true, []string{"auth-server", "api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			h.touched = []string{"services/api/checkout.go"}
			p := stagePipeline(t)
			if tc.root {
				p = input(t, nil).Pipeline
			}
			st, err := stageDeploy(h, StageDeployInput{Pipeline: p, Name: "checkout-fix", Train: 101, Picks: []string{"abc1234"}, Services: tc.services, By: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			var built []string
			for _, b := range h.called(contract.BuildName) {
				built = append(built, b.req.(contract.BuildRequest).Service)
			}
			slices.Sort(built)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(st.Services, tc.want) || !slices.Equal(built, want) {
				t.Errorf("services %v, built %v; want %v", st.Services, built, tc.want)
			}
		})
	}
}

// TestStageDeploy_signed: under auth: signed, a temporary deploy needs the
// person's signed statement of exactly this deploy.
func TestStageDeploy_signed(t *testing.T) {
	p := stagePipeline(t)
	sign := people(t, &p, "alice", "bob")
	in := StageDeployInput{Pipeline: p, Name: "checkout-fix", Train: 101, Picks: []string{"abc1234"}, Services: []string{"api"}, By: "alice"}
	id := StageDeployID("shop", "checkout-fix")
	for _, tc := range []struct {
		name string
		auth func() StageDeployInput
		want string
	}{
		{"unsigned_is_refused", func() StageDeployInput { return in }, "refused"},
		{"signed_by_another_is_refused", func() StageDeployInput {
			s := in
			s.Auth = sign(ActionStageDeploy, in, id, "", thursday2pm, "bob")
			return s
		}, "refused"},
		{"signed_for_other_commits_is_refused", func() StageDeployInput {
			other := in
			other.Picks = []string{"fff0000"}
			s := in
			s.Auth = sign(ActionStageDeploy, other, id, "", thursday2pm)
			return s
		}, "refused"},
		{"signed_by_alice_deploys", func() StageDeployInput {
			s := in
			s.Auth = sign(ActionStageDeploy, in, id, "", thursday2pm)
			return s
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			_, err := stageDeploy(h, tc.auth())
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("stage deploy: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("stage deploy: %v; want it %s", err, tc.want)
			case tc.want != "" && len(h.called(contract.CherryPickName)) != 0:
				t.Error("a refused stage deploy picked commits")
			}
		})
	}
}
