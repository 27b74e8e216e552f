package workflows

import (
	"strings"
	"testing"
	"time"
)

// TestApprovalsNotes: a dot release's justification, the note for
// operators and every approval, with its key and channel, and an exception.
func TestApprovalsNotes(t *testing.T) {
	at := time.Date(2026, 11, 19, 15, 4, 0, 0, time.UTC)
	got := approvalsNotes(Status{
		Why:     "s1 (an S1 bug in production): checkout rounds totals down",
		OpsNote: "warm the cache first",
		Signoffs: []SignoffRecord{
			{Env: "stage", Role: "qa", Person: "quinn", Verdict: Green, At: at, Via: "slack"},
			{Env: "prod", Role: "sre", Person: "sam", Verdict: Green, At: at.Add(time.Hour), Auth: &Approval{Key: "SHA256:abc"}},
		},
		Exception: &WindowException{Person: "sasha", Reason: "prod-down", Justification: "checkout is down", At: at.Add(2 * time.Hour)},
	})
	for _, want := range []string{
		"## Why this dot release\n\ns1 (an S1 bug in production): checkout rounds totals down\n",
		"## Note for operators\n\nwarm the cache first\n",
		"- quinn, qa on stage, 2026-11-19 15:04 UTC; via slack\n",
		"- sam, sre on prod, 2026-11-19 16:04 UTC; signed with SHA256:abc\n",
		"- sasha, window exception (prod-down: checkout is down), 2026-11-19 17:04 UTC\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("notes:\n%s\nwant %q", got, want)
		}
	}
	if approvalsNotes(Status{}) != "" {
		t.Error("a release nobody approved gets an empty approvals section")
	}
}
