package control

import (
	"context"
	"strings"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/signalman/signalman/workflows"
)

// maxFailure is how much of a failure's message a Retry keeps: enough for
// git's or a registry's one-line reason, not a whole log.
const maxFailure = 300

// retries lists the activities of a workflow that failed at least once
// and are waiting for, or running, another attempt.
func retries(desc *workflowservice.DescribeWorkflowExecutionResponse) []workflows.Retry {
	var out []workflows.Retry
	id := desc.GetWorkflowExecutionInfo().GetExecution().GetWorkflowId()
	for _, a := range desc.GetPendingActivities() {
		if a.GetAttempt() < 2 && a.GetLastFailure() == nil {
			continue
		}
		r := workflows.Retry{
			Activity:    a.GetActivityType().GetName(),
			Workflow:    id,
			Attempt:     int(a.GetAttempt()),
			LastFailure: oneLine(a.GetLastFailure().GetMessage(), maxFailure),
		}
		if t := a.GetNextAttemptScheduleTime(); t != nil {
			r.NextAttempt = t.AsTime()
		}
		out = append(out, r)
	}
	return out
}

// deployRetries adds the retries of the service deploy the release is
// running. A deploy that ended between the two calls adds nothing.
func (r Releases) deployRetries(ctx context.Context, st *workflows.Status) {
	if st.Deploying == "" {
		return
	}
	desc, err := r.Client.DescribeWorkflowExecution(ctx, st.Deploying, "")
	if err != nil {
		return
	}
	st.Retrying = append(st.Retrying, retries(desc)...)
}

// oneLine joins a message's lines and keeps its last n bytes: git and the
// tools it runs put the reason at the end.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}
