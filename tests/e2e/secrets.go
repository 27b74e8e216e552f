package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"
)

// NoSecret fails the test if secret appears in the full history of any of
// the workflows, read through the client as anyone could.
func NoSecret(t testing.TB, addr, secret string, workflowIDs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, id := range workflowIDs {
		events, err := History(ctx, c, id, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			data, _ := protojson.Marshal(e)
			if strings.Contains(string(data), secret) {
				t.Errorf("the secret appears in event %d (%s) of %s", e.GetEventId(), e.GetEventType(), id)
			}
		}
		if len(events) == 0 {
			t.Errorf("no history for %s", id)
		}
	}
}
