package main

import (
	"os"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/dora"
)

func TestTmpPrintDORA(t *testing.T) {
	now := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)
	h := dora.History{Releases: []dora.Release{
		{Version: "v1.1.0", Outcome: dora.Succeeded, Production: now.Add(-50 * time.Hour), Promoted: now.Add(-49 * time.Hour), CommitTimes: []time.Time{now.Add(-80 * time.Hour), now.Add(-52 * time.Hour)}},
		{Version: "v1.2.0", Outcome: dora.Failed, Production: now.Add(-20 * time.Hour), Ended: now.Add(-19*time.Hour - 20*time.Minute)},
	}, Rollbacks: []dora.Rollback{{From: "v1.1.0", Closed: now.Add(-30 * time.Hour)}}}
	r := dora.Compute(h, now, 30*24*time.Hour)
	r.Product = "shop"
	printDORA(os.Stdout, r)
	e := dora.Compute(dora.History{}, now, 7*24*time.Hour)
	e.Product = "blog"
	printDORA(os.Stdout, e)
	printJSON(e)
}
