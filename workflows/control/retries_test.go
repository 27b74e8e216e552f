package control

import (
	"testing"
	"time"

	"github.com/signalman/signalman/workflows"
)

func TestLocalStuck_lists_local_activities_that_ran_long(t *testing.T) {
	now := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	steps := []workflows.LocalStep{
		{Activity: "ReadEnv", Since: now.Add(-time.Second)},
		{Activity: "ClaimEnv", Since: now.Add(-2 * time.Minute)},
		{Activity: "FreezeCheck", Since: now.Add(-unserved)},
	}
	got := localStuck("release/shop/v1.3.0", steps, now)
	if len(got) != 1 {
		t.Fatalf("localStuck = %+v, want the claim alone (the others ran %s or less)", got, unserved)
	}
	want := workflows.Retry{Activity: "ClaimEnv", Workflow: "release/shop/v1.3.0", LocalSince: now.Add(-2 * time.Minute)}
	if got[0] != want {
		t.Errorf("localStuck = %+v, want %+v", got[0], want)
	}
}
