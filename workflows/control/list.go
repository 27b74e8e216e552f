package control

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/signalman/signalman/workflows"
)

// Summary is one line of the release list.
type Summary struct {
	Product string    `json:"product"`
	Version string    `json:"version"`
	Train   int64     `json:"train"`
	Stage   string    `json:"stage"`
	Env     string    `json:"env,omitempty"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitempty"`
}

// Filter narrows the release list.
type Filter struct {
	Product string
	// Running keeps only releases still running.
	Running bool
	Limit   int
}

// Query is the visibility query for the filter, the same one the Temporal
// UI takes.
func (f Filter) Query() string {
	q := []string{"WorkflowType = 'ReleaseWorkflow'"}
	if f.Product != "" {
		q = append(q, fmt.Sprintf("%s = '%s'", workflows.ProductKey.GetName(), strings.ReplaceAll(f.Product, "'", "")))
	}
	if f.Running {
		q = append(q, "ExecutionStatus = 'Running'")
	}
	return strings.Join(q, " AND ")
}

// List returns releases, newest first.
func (r Releases) List(ctx context.Context, f Filter) ([]Summary, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var out []Summary
	var token []byte
	for len(out) < f.Limit {
		resp, err := r.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: f.Query(), PageSize: int32(f.Limit), NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list releases (%s): %w", f.Query(), err)
		}
		for _, e := range resp.GetExecutions() {
			s := Summary{State: status(e.GetStatus()), Started: e.GetStartTime().AsTime()}
			if e.GetCloseTime() != nil {
				s.Ended = e.GetCloseTime().AsTime()
			}
			fields := e.GetSearchAttributes().GetIndexedFields()
			s.Product = keyword(fields[workflows.ProductKey.GetName()].GetData())
			s.Version = keyword(fields[workflows.VersionKey.GetName()].GetData())
			s.Stage = keyword(fields[workflows.StageKey.GetName()].GetData())
			s.Env = keyword(fields[workflows.EnvironmentKey.GetName()].GetData())
			fmt.Sscan(string(fields[workflows.TrainKey.GetName()].GetData()), &s.Train)
			out = append(out, s)
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// keyword decodes a JSON-encoded keyword search attribute.
func keyword(data []byte) string {
	return strings.Trim(string(data), `"`)
}
