package e2e

import (
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
)

func TestScrubHistory(t *testing.T) {
	h := &historypb.History{Events: []*historypb.HistoryEvent{
		{Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			Input: &commonpb.Payloads{Payloads: []*commonpb.Payload{{Data: []byte(`{"url":"/tmp/TestTrains123/001/remote.git","dir":"/tmp/TestTrains123/002"}`)}}},
		}}},
		{Attributes: &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{
			Failure: &failurepb.Failure{Message: "clone /tmp/TestTrains123/001/remote.git: exit 128"},
		}}},
	}}
	scrubHistory(h)
	in := string(h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0].GetData())
	msg := h.Events[1].GetActivityTaskFailedEventAttributes().GetFailure().GetMessage()
	if in != `{"url":"/srv/git/shop.git","dir":"/var/lib/signalman/002"}` {
		t.Errorf("payload after scrubbing = %s", in)
	}
	if strings.Contains(msg, "/tmp/") || !strings.Contains(msg, "/srv/git/shop.git") {
		t.Errorf("failure message after scrubbing = %q", msg)
	}
}
