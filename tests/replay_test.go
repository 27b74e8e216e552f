package tests

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/workflows"
)

// TestReplay replays every recorded history against the current workflow
// code: a change that would break a running release fails here.
func TestReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(workflows.ReleaseWorkflow, workflow.RegisterOptions{Name: "ReleaseWorkflow"})
			r.RegisterWorkflowWithOptions(workflows.ServiceDeployWorkflow, workflow.RegisterOptions{Name: "ServiceDeployWorkflow"})
			r.RegisterWorkflowWithOptions(workflows.RollbackWorkflow, workflow.RegisterOptions{Name: "RollbackWorkflow"})
			r.RegisterWorkflowWithOptions(workflows.TrainWorkflow, workflow.RegisterOptions{Name: "TrainWorkflow"})
			r.RegisterWorkflowWithOptions(workflows.FreezeWorkflow, workflow.RegisterOptions{Name: "FreezeWorkflow"})
			r.RegisterWorkflowWithOptions(workflows.CandidateWorkflow, workflow.RegisterOptions{Name: "CandidateWorkflow"})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
