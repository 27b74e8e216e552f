package control

import (
	"context"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// maxFailure is how much of a failure's message a Retry keeps: enough for
// git's or a registry's one-line reason, not a whole log.
const maxFailure = 300

// unserved is how long an activity waits for a worker before its status
// says that no worker of its role polls.
const unserved = 15 * time.Second

// stuck lists the activities of a workflow that failed at least once and
// are waiting for, or running, another attempt, and those that wait for a
// worker of their role that nobody runs.
func (r Releases) stuck(ctx context.Context, desc *workflowservice.DescribeWorkflowExecutionResponse) []workflows.Retry {
	var out []workflows.Retry
	id := desc.GetWorkflowExecutionInfo().GetExecution().GetWorkflowId()
	for _, a := range desc.GetPendingActivities() {
		s := workflows.Retry{
			Activity:    a.GetActivityType().GetName(),
			Workflow:    id,
			Attempt:     int(a.GetAttempt()),
			LastFailure: oneLine(a.GetLastFailure().GetMessage(), maxFailure),
		}
		if t := a.GetNextAttemptScheduleTime(); t != nil {
			s.NextAttempt = t.AsTime()
		}
		if a.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED && time.Since(a.GetScheduledTime().AsTime()) > unserved {
			s.NoWorker = r.noWorker(ctx, a.GetActivityOptions().GetTaskQueue().GetName())
		}
		if s.Attempt > 1 || s.LastFailure != "" || s.NoWorker != "" {
			out = append(out, s)
		}
	}
	return out
}

// localStuck lists the local activities of workflow id that have run
// longer than unserved by now. A local activity runs within a workflow
// task of the orchestrate worker: the server lists none of them among the
// pending activities, however long one retries.
func localStuck(id string, steps []workflows.LocalStep, now time.Time) []workflows.Retry {
	var out []workflows.Retry
	for _, s := range steps {
		if now.Sub(s.Since) > unserved {
			out = append(out, workflows.Retry{Activity: s.Activity, Workflow: id, LocalSince: s.Since})
		}
	}
	return out
}

// noWorker says that no worker polls queue, or since when none has; ""
// when one has within the last minute or the server cannot tell.
func (r Releases) noWorker(ctx context.Context, queue string) string {
	if queue == "" {
		return ""
	}
	role := queue
	if s, ok := contract.ServeOf(queue); ok {
		role = s.String()
	}
	resp, err := r.Client.DescribeTaskQueue(ctx, queue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
	if err != nil {
		return ""
	}
	var last time.Time
	for _, p := range resp.GetPollers() {
		if t := p.GetLastAccessTime().AsTime(); t.After(last) {
			last = t
		}
	}
	switch since := time.Since(last); {
	case len(resp.GetPollers()) == 0:
		return fmt.Sprintf("no %s worker polls %s", role, queue)
	case since > time.Minute:
		return fmt.Sprintf("no %s worker has polled %s for %s", role, queue, since.Round(time.Second))
	}
	return ""
}

// deployStuck adds the stuck activities of the service deploy the release
// is running. A deploy that ended between the two calls adds nothing.
func (r Releases) deployStuck(ctx context.Context, st *workflows.Status) {
	if st.Deploying == "" {
		return
	}
	desc, err := r.Client.DescribeWorkflowExecution(ctx, st.Deploying, "")
	if err != nil {
		return
	}
	st.Retrying = append(st.Retrying, r.stuck(ctx, desc)...)
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
