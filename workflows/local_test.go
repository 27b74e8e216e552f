package workflows

import (
	"testing"
	"time"

	"github.com/signalman/signalman/internal/contract"
)

// TestLocal_claim_retries_past_its_start_to_close: a claim of an
// environment, run as a local activity, whose first attempt fails and asks
// to be retried after longer than the claim's start-to-close timeout (a
// minute) is retried, as it would be as an activity, and the release
// goes on. The SDK would otherwise end its retries at that timeout and
// fail the release.
func TestLocal_claim_retries_past_its_start_to_close(t *testing.T) {
	// The SDK ends a local activity's retries at the time it was first
	// scheduled, by the workflow's clock, plus its schedule-to-close
	// timeout, and measures that against the real clock: the test's
	// clock starts now.
	h := newHarness(t, time.Now())
	h.retryAfter = map[string]time.Duration{contract.ClaimEnvName: 2 * time.Minute}
	h.approveAll(30*time.Minute, time.Hour)
	h.succeeded(input(t, nil))
	claims := h.called(contract.ClaimEnvName)
	if len(claims) < 2 {
		t.Fatalf("ClaimEnv ran %d times, want a failed first attempt and its retry", len(claims))
	}
	if gap := claims[1].at.Sub(claims[0].at); gap < 2*time.Minute {
		t.Errorf("the retry came %s after the first attempt, want the 2m0s it asked for", gap)
	}
}

// TestLocal_status_lists_a_local_activity_while_it_retries: while a claim,
// run as a local activity, waits to be retried, the release's status
// query lists it with when it began (the server's pending activities never
// do), and lists nothing once it has ended.
func TestLocal_status_lists_a_local_activity_while_it_retries(t *testing.T) {
	h := newHarness(t, time.Now())
	h.retryAfter = map[string]time.Duration{contract.ClaimEnvName: 10 * time.Minute}
	h.approveAll(30*time.Minute, time.Hour)
	var during, after Status
	h.at(5*time.Minute, func() { during = h.status() })
	h.at(20*time.Minute, func() { after = h.status() })
	h.succeeded(input(t, nil))

	claims := h.called(contract.ClaimEnvName)
	if len(claims) < 2 {
		t.Fatalf("ClaimEnv ran %d times, want a failed first attempt and its retry", len(claims))
	}
	if len(during.Local) != 1 || during.Local[0].Activity != contract.ClaimEnvName {
		t.Fatalf("status during the claim's retry lists %+v as running locally, want the claim alone", during.Local)
	}
	if since := during.Local[0].Since; !since.Equal(claims[0].at) {
		t.Errorf("the claim runs since %s, want its first attempt's %s", since, claims[0].at)
	}
	if len(after.Local) != 0 {
		t.Errorf("status after the claim's retry lists %+v as running locally, want none", after.Local)
	}
}
