package workflows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// fourEnvironments is a pipeline with a development environment, stage
// (signed off by QA once the release runs there) and production in two
// regions, prod-eu after prod-us; edit changes the file's text.
func fourEnvironments(t *testing.T, edit func(string) string) ReleaseInput {
	t.Helper()
	file := `
product: shop
repository:
  url: /srv/git/shop.git
services:
  - name: api
    order: 2
  - name: auth-server
    order: 1
environments:
  dev: {}
  stage:
    signoffs: [{role: qa}]
  prod-us:
    window: always
    canary:
      steps: [{weight: 10, pause: 5m}]
  prod-eu:
    after: [prod-us]
    window: always
    canary:
      steps: [{weight: 10, pause: 5m}]
auth: claimed
approvers:
  qa: [quinn]
  sre: [sam]
release:
  ship_delay: 0s
`
	if edit != nil {
		file = edit(file)
	}
	p, err := config.Parse("signalman.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	return ReleaseInput{Pipeline: *p, Version: "v1.101.0", TriggeredBy: "alice"}
}

// deployEnvs lists the environments of the Deploy calls, in order, each
// once per run of consecutive calls.
func (h *harness) deployEnvs() []string {
	var envs []string
	for _, c := range h.called(contract.DeployName) {
		env := c.req.(contract.DeployRequest).Env
		if len(envs) == 0 || envs[len(envs)-1] != env {
			envs = append(envs, env)
		}
	}
	return envs
}

func TestEnvironments_a_release_goes_through_four_in_order(t *testing.T) {
	h := newHarness(t, thursday2pm)
	in := fourEnvironments(t, nil)
	h.earlier(in.Pipeline, "prod-us", "v1.100.0")
	h.earlier(in.Pipeline, "prod-eu", "v1.100.0")
	h.at(time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: "stage", Person: "quinn", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range st.Stages {
		names = append(names, s.Name+"@"+s.Env)
	}
	want := []string{"tag@", "test@", "build@", "sign@", "deploy-dev@dev", "deploy-stage@stage", "qa-signoff@stage",
		"window-prod-us@prod-us", "deploy-prod-us@prod-us", "window-prod-eu@prod-eu", "deploy-prod-eu@prod-eu", "promote@prod-eu", "announce@"}
	if !slices.Equal(names, want) {
		t.Errorf("stages\n%v\nwant\n%v", names, want)
	}
	if got := h.deployEnvs(); !slices.Equal(got, []string{"dev", "stage", "prod-us", "prod-eu"}) {
		t.Errorf("deployed to %v, want dev, stage, prod-us, prod-eu in turn", got)
	}
	var promoted []string
	for _, c := range h.called(contract.PromoteName) {
		promoted = append(promoted, c.req.(contract.PromoteRequest).Env)
	}
	if !slices.Equal(promoted, []string{"prod-us", "prod-eu"}) {
		t.Errorf("promoted on %v, want both production regions", promoted)
	}
	// Each production region was held until the release was promoted;
	// dev and stage were let go as soon as their deploys ended.
	for _, env := range []string{"dev", "stage", "prod-us", "prod-eu"} {
		if !slices.Contains(h.envSignals, "env/shop/"+env+" let-go "+releaseID) {
			t.Errorf("the release never let go of %s: %v", env, h.envSignals)
		}
	}
	if i, j := slices.Index(h.envSignals, "env/shop/prod-us let-go "+releaseID), slices.Index(h.envSignals, "env/shop/prod-eu deployed api v1.101.0"); i < j {
		t.Errorf("prod-us was let go before prod-eu was deployed: %v", h.envSignals)
	}
	for _, env := range []string{"dev", "stage", "prod-us", "prod-eu"} {
		if r := h.running[env]["api"]; r.Version != "v1.101.0" {
			t.Errorf("%s's record says api runs %q, want v1.101.0", env, r.Version)
		}
	}
	for _, s := range st.Stages {
		if strings.HasPrefix(s.Name, "deploy-") && s.State != Done {
			t.Errorf("stage %s is %s, want done", s.Name, s.State)
		}
	}
}

func TestEnvironments_a_failure_in_prod_us_never_reaches_prod_eu(t *testing.T) {
	h := newHarness(t, thursday2pm)
	in := fourEnvironments(t, nil)
	h.earlier(in.Pipeline, "prod-us", "v1.100.0")
	h.earlier(in.Pipeline, "prod-eu", "v1.100.0")
	// auth-server passes its canary and its bake (judged twice an
	// interval for two intervals) in prod-us, api fails its canary.
	h.verdicts = []string{contract.Pass, contract.Pass, contract.Pass, contract.Pass, contract.Pass, contract.Fail}
	h.at(time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: "stage", Person: "quinn", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err == nil || st.State != Failed {
		t.Fatalf("state %s, error %v: want failed", st.State, err)
	}
	if !strings.HasPrefix(st.Error, "deploy-prod-us: ") || !strings.Contains(st.Error, "rolled back with it: auth-server to v1.100.0") {
		t.Errorf("error %q: want the prod-us deploy to fail and take auth-server back with it", st.Error)
	}
	if got := h.deployEnvs(); slices.Contains(got, "prod-eu") {
		t.Errorf("deployed to %v: prod-eu must never see a release that failed in prod-us", got)
	}
	for _, c := range h.called(contract.ClaimEnvName) {
		if c.req.(contract.ClaimRequest).Env == "prod-eu" {
			t.Error("the release claimed prod-eu after failing in prod-us")
		}
	}
	for name, r := range h.running["prod-us"] {
		if r.Version != "v1.100.0" {
			t.Errorf("prod-us runs %s %s after the failure, want v1.100.0", name, r.Version)
		}
	}
	if s := st.stage("deploy-prod-eu"); s.State != Pending {
		t.Errorf("deploy-prod-eu is %s, want pending (never started)", s.State)
	}
}

func TestEnvironments_a_gate_before_prod_eu_only(t *testing.T) {
	h := newHarness(t, thursday2pm)
	in := fourEnvironments(t, func(f string) string {
		return strings.Replace(f, "    after: [prod-us]\n", "    after: [prod-us]\n    signoffs: [{role: sre}]\n", 1)
	})
	h.earlier(in.Pipeline, "prod-eu", "v1.100.0")
	h.at(time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: "stage", Person: "quinn", Verdict: Green})
	})
	var atGate Status
	h.at(3*time.Hour, func() {
		atGate = h.status()
		// The prod-us gate does not exist; prod-eu's is open.
		h.expect(contract.Signoff, SignoffRequest{Env: "prod-us", Person: "sam", Verdict: Green}, "signoff gate of shop v1.101.0 is not open")
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: "prod-eu", Person: "sam", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	if atGate.Stage != "sre-approval-prod-eu" || atGate.stage("sre-approval-prod-eu").State != Waiting {
		t.Errorf("three hours in, the release is at %s: want waiting at sre-approval-prod-eu", atGate.Stage)
	}
	// The approver sees what changes on prod-eu, against what runs there.
	pv, ok := atGate.PreviewOf("prod-eu")
	if !ok {
		t.Fatalf("no change preview at prod-eu's gate: %+v", atGate.Previews)
	}
	if got := pv.Summary(); got != "2 service(s) change (auth-server v1.100.0 -> v1.101.0, api v1.100.0 -> v1.101.0), 0 commit(s) since v1.100.0" {
		t.Errorf("preview summary %q", got)
	}
	if d := atGate.stage("sre-approval-prod-eu").Detail; !strings.Contains(d, "on prod-eu: 2 service(s) change") {
		t.Errorf("the gate's detail %q does not say what changes", d)
	}
	var from []string
	for _, c := range h.called(contract.ReleaseNotesName) {
		from = append(from, c.req.(contract.NotesRequest).From)
	}
	if !slices.Contains(from, "v1.100.0") {
		t.Errorf("release notes asked from %q: want the commits since v1.100.0, what runs on prod-eu", from)
	}
	if s := atGate.stage("deploy-prod-us"); s.State != Done {
		t.Errorf("at prod-eu's gate, deploy-prod-us is %s: want done, no gate before it", s.State)
	}
	if st.stage("sre-approval-prod-us") != nil {
		t.Error("the status has a gate for prod-us, which has no signoffs")
	}
	first := time.Time{}
	for _, c := range h.called(contract.DeployName) {
		if c.req.(contract.DeployRequest).Env == "prod-eu" {
			first = c.at
			break
		}
	}
	if first.Before(thursday2pm.Add(3 * time.Hour)) {
		t.Errorf("prod-eu deployed at %s, before its approval", first)
	}
	if got := st.Signoffs; len(got) != 2 || got[1].Env != "prod-eu" || got[1].Role != "sre" {
		t.Errorf("signoffs %+v: want QA on stage and SRE on prod-eu", got)
	}
}

func TestEnvironments_parallel_waves_deploy_at_the_same_time(t *testing.T) {
	h := newHarness(t, thursday2pm)
	in := fourEnvironments(t, func(f string) string {
		return strings.Replace(f, "    after: [prod-us]\n", "    after: [stage]\n    parallel: true\n", 1)
	})
	h.earlier(in.Pipeline, "prod-us", "v1.100.0")
	h.earlier(in.Pipeline, "prod-eu", "v1.100.0")
	h.at(time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: "stage", Person: "quinn", Verdict: Green})
	})
	if w := in.Pipeline.Waves(); !slices.EqualFunc(w, [][]string{{"dev"}, {"stage"}, {"prod-us", "prod-eu"}}, slices.Equal) {
		t.Fatalf("waves %v", w)
	}
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	starts := map[string]time.Time{}
	for _, c := range h.called(contract.DeployName) {
		d := c.req.(contract.DeployRequest)
		if _, ok := starts[d.Env]; !ok {
			starts[d.Env] = c.at
		}
	}
	us, eu := starts["prod-us"], starts["prod-eu"]
	if us.IsZero() || !us.Equal(eu) {
		t.Errorf("prod-us started at %s, prod-eu at %s: a parallel wave deploys both at once", us, eu)
	}
	// One region's whole rollout (two services, canaries and bakes) is
	// well over an hour; two in turn would take twice that.
	if took := h.env.Now().Sub(us); took > 2*time.Hour {
		t.Errorf("the parallel wave took %s", took)
	}
	for _, env := range []string{"deploy-prod-us", "deploy-prod-eu"} {
		if s := st.stage(env); s.State != Done {
			t.Errorf("%s is %s", env, s.State)
		}
	}
}
