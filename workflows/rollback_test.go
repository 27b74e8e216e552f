package workflows

import (
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

func TestRollback(t *testing.T) {
	cases := []struct {
		name    string
		service string
		to      string
		want    string // deployed services, in order
		version string
		wantErr string
	}{
		{name: "previous_release_every_service_in_order", want: "auth-server,api", version: "v1.100.0"},
		{name: "one_service_to_a_named_version", service: "api", to: "v1.99.2", want: "api", version: "v1.99.2"},
		{name: "unknown_service_is_refused", service: "search", wantErr: `no service "search"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			p := input(t, nil).Pipeline
			h.env.ExecuteWorkflow(RollbackWorkflow, RollbackInput{Pipeline: p, Env: config.Prod, Service: tc.service, To: tc.to, By: "sam", Reason: "checkout errors"})
			if !h.env.IsWorkflowCompleted() {
				t.Fatal("rollback did not complete")
			}
			err := h.env.GetWorkflowError()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var res RollbackResult
			h.env.GetWorkflowResult(&res)
			if res.To != tc.version || res.From != "v1.101.0" {
				t.Errorf("result %+v, want from v1.101.0 to %s", res, tc.version)
			}
			var deployed []string
			for _, c := range h.called(contract.DeployName) {
				r := c.req.(contract.DeployRequest)
				deployed = append(deployed, r.Service.Name)
				// It starts with no user traffic, is smoke-tested through
				// the test route, then takes all of it.
				if r.Version != tc.version || r.Weight != 0 || !strings.Contains(r.Artifact.Image, tc.version) {
					t.Errorf("deploy %+v: want %s at weight 0 from its recorded image", r, tc.version)
				}
			}
			for _, c := range h.called(contract.TrafficName) {
				if w := c.req.(contract.TrafficRequest).Weight; w != 100 {
					t.Errorf("a rollback set weight %d, want only full traffic after the test route", w)
				}
			}
			if n, m := len(h.called(contract.TrafficName)), len(deployed); n != m {
				t.Errorf("%d traffic switches for %d redeploys", n, m)
			}
			if got := strings.Join(deployed, ","); got != tc.want {
				t.Errorf("deployed %s, want %s", got, tc.want)
			}
			if v, d := len(h.called(contract.VerifyName)), len(deployed); v != d {
				t.Errorf("%d verifications for %d deploys: every redeploy is verified first", v, d)
			}
			for _, name := range []string{contract.BuildName, contract.SignName, contract.MigrateName} {
				if n := len(h.called(name)); n != 0 {
					t.Errorf("%s ran %d times in a rollback; a rollback never rebuilds or migrates", name, n)
				}
			}
		})
	}
}
