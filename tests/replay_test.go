package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/workflows"
)

// TestReplay replays every recorded history against the current workflow
// code: a change that would break a running release fails here. A history
// recorded with its execution (NAME.execution: the workflow ID and run ID)
// replays as that execution, as a worker replays it: signed requests name
// the workflow and run they are for.
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
			workflows.Register(r)
			in, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			h, err := client.HistoryFromJSON(in, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatalf("read %s: %v", f, err)
			}
			var opts worker.ReplayWorkflowHistoryOptions
			if b, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".execution"); err == nil {
				id, run, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
				opts.OriginalExecution = workflow.Execution{ID: id, RunID: run}
			}
			if err := r.ReplayWorkflowHistoryWithOptions(nil, h, opts); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
