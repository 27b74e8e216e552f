package contract_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/contract"
)

// TestWorkflowsImportNoIO fails when a workflow package depends, however
// indirectly, on a library that does I/O for activities: workflows import
// the contract and pure packages only.
func TestWorkflowsImportNoIO(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/signalman/signalman/workflows/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/docker/docker", "github.com/sigstore/", "github.com/google/go-containerregistry",
		"github.com/slack-go/slack", "github.com/google/go-github", "github.com/signalman/signalman/activities",
		"github.com/signalman/signalman/internal/deploy", "github.com/signalman/signalman/internal/artifact",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("workflows depend on %s", dep)
			}
		}
	}
}

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range contract.Activities {
		if seen[a.Name] {
			t.Errorf("activity %s is in the table twice", a.Name)
		}
		seen[a.Name] = true
		if a.Options.StartToCloseTimeout <= 0 {
			t.Errorf("activity %s has no start-to-close timeout", a.Name)
		}
		// A worker killed during any activity must not stall the release
		// until the start-to-close timeout: the heartbeat notices first.
		if h := a.Options.HeartbeatTimeout; h <= 0 || h >= a.Options.StartToCloseTimeout {
			t.Errorf("activity %s: heartbeat timeout %s, want one shorter than its start-to-close timeout %s", a.Name, h, a.Options.StartToCloseTimeout)
		}
		if a.Request == nil {
			t.Errorf("activity %s has no request type", a.Name)
		}
		if a.Role == "" {
			t.Errorf("activity %s has no role", a.Name)
		}
	}
}

func TestParseRoles(t *testing.T) {
	envs := []string{"stage", "prod"}
	for _, tt := range []struct {
		list, want, err string
	}{
		{"all", "orchestrate source build sign notify deploy:stage deploy:prod", ""},
		{"sign", "sign", ""},
		{"orchestrate, deploy:prod,deploy:prod", "orchestrate deploy:prod", ""},
		{"deploy:qa", "", `no environment "qa" in --environments`},
		{"deploy", "", "needs its environment"},
		{"signer", "", `"signer" is not a role`},
		{"deploy:Prod", "", "is not an environment name"},
	} {
		t.Run(tt.list, func(t *testing.T) {
			got, err := contract.ParseRoles(tt.list, envs)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseRoles(%q) error %v, want one containing %q", tt.list, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range got {
				names = append(names, s.String())
			}
			if strings.Join(names, " ") != tt.want {
				t.Errorf("ParseRoles(%q) = %v, want %s", tt.list, names, tt.want)
			}
		})
	}
	if q := contract.Queue(contract.Deploy, "prod"); q != "signalman-deploy-prod" {
		t.Errorf("deploy:prod polls %q", q)
	}
	if q := contract.Queue(contract.Orchestrate, ""); q != contract.WorkflowQueue {
		t.Errorf("orchestrate polls %q, want the workflows' queue", q)
	}
}
