package app

import (
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
)

// recorder records what Register adds. The registry it embeds is nil:
// Register must use no other method.
type recorder struct {
	worker.Registry
	activities map[string]int
	workflows  int
}

func (r *recorder) RegisterWorkflowWithOptions(any, workflow.RegisterOptions) { r.workflows++ }
func (r *recorder) RegisterActivityWithOptions(_ any, o activity.RegisterOptions) {
	r.activities[o.Name]++
}

// TestRegister_every_activity_by_exactly_one_role registers every role of
// the local default and checks that each activity of the contract is
// registered exactly once per environment it runs in, with the signature
// the contract gives it, and the workflows by orchestrate alone.
func TestRegister_every_activity_by_exactly_one_role(t *testing.T) {
	serves, err := contract.ParseRoles("all", []string{"stage", "prod"})
	if err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for _, s := range serves {
		r := &recorder{activities: map[string]int{}}
		if err := Register(r, s, Deps{DataDir: t.TempDir()}); err != nil {
			t.Fatalf("register %s: %v", s, err)
		}
		if (r.workflows > 0) != (s.Role == contract.Orchestrate) {
			t.Errorf("role %s registered %d workflows", s, r.workflows)
		}
		for name, n := range r.activities {
			a, _ := contract.Lookup(name)
			if a.Role != s.Role {
				t.Errorf("role %s registered %s, which the contract gives to %s", s, name, a.Role)
			}
			total[name] += n
		}
	}
	for _, a := range contract.Activities {
		want := 1
		if a.Role == contract.Deploy {
			want = 2 // deploy:stage and deploy:prod
		}
		if total[a.Name] != want {
			t.Errorf("activity %s registered %d times, want %d", a.Name, total[a.Name], want)
		}
	}
}

func TestMatches_refuses_a_signature_the_contract_does_not_give(t *testing.T) {
	a, _ := contract.Lookup(contract.TagName)
	wrong := func(ctx any, req contract.TestRequest) (contract.TagResult, error) { return contract.TagResult{}, nil }
	if err := matches(a, wrong); err == nil {
		t.Error("a Tag taking a TestRequest was accepted")
	}
}
