package tests

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/signalman/signalman/workflows"
)

// record makes the end-to-end tests write the histories of the workflows
// they ran into testdata/, for TestReplay. Re-record after a deliberate
// workflow change that is behind workflow.GetVersion:
//
//	go test ./tests/ -run 'TestRelease_survives|TestTrains|TestDeploy_process' -record
var record = flag.Bool("record", false, "write the histories of end-to-end runs to testdata/ for the replay test")

// saveHistory writes a workflow's history as testdata/<name>.json when -record is set.
func saveHistory(t *testing.T, addr, workflowID, name string) {
	t.Helper()
	if !*record {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var h historypb.History
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		h.Events = append(h.Events, e)
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d events) as testdata/%s.json", workflowID, len(h.Events), name)
}

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
