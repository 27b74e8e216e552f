package tests

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

// assertNoSecret fails the test if secret appears in the full history of
// any of the workflows, read through the client as anyone could.
func assertNoSecret(t *testing.T, addr, secret string, workflowIDs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range workflowIDs {
		it := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		n := 0
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatalf("history of %s: %v", id, err)
			}
			n++
			data, _ := protojson.Marshal(e)
			if strings.Contains(string(data), secret) {
				t.Errorf("the secret appears in event %d (%s) of %s", e.GetEventId(), e.GetEventType(), id)
			}
		}
		if n == 0 {
			t.Errorf("no history for %s", id)
		}
	}
}
