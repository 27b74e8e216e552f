package workflows

import (
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// tuesdaysOnly deploys prod on Tuesdays only, so a release signed off on a
// Thursday waits more than four days to ship.
func tuesdaysOnly(p *config.Pipeline) {
	prod := p.Environments[config.Prod]
	w := *prod.Window
	w.Days = []string{"tue"}
	prod.Window = &w
	p.Environments[config.Prod] = prod
}

func TestExpiry_a_signoff_too_old_at_ship_time_is_asked_again(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.approveAll(30*time.Minute, time.Hour)
	// Thursday 15:00 to Tuesday 08:00 is 113h, past the default 96h: at
	// ship time both gates open again, and the same people sign again.
	tuesday9am := time.Date(2026, 11, 24, 9, 0, 0, 0, ny)
	again := tuesday9am.Sub(thursday2pm)
	h.at(again, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green})
	})
	h.at(again+10*time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, tuesdaysOnly))
	st, err := h.result()
	if err != nil {
		t.Fatalf("release failed: %v", err)
	}
	if len(st.Expired) != 2 || st.Expired[0].Person != "quinn" || st.Expired[1].Person != "sam" {
		t.Errorf("expired = %+v, want quinn's and sam's first signoffs", st.Expired)
	}
	if len(st.Signoffs) != 2 || !st.Signoffs[1].At.Equal(tuesday9am.Add(10*time.Minute)) {
		t.Errorf("signoffs = %+v, want both given again on Tuesday", st.Signoffs)
	}
	if got, want := h.firstProdDeploy(), tuesday9am.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("prod deploy at %s, want %s: five minutes after the renewed signoffs", got.In(ny), want.In(ny))
	}
}

func TestExpiry_thursday_to_monday_still_ships(t *testing.T) {
	h := newHarness(t, thursday2pm)
	// Signed at 16:01, after the window closed: it ships Monday 08:00,
	// 88 hours later, on the same signoffs.
	h.approveAll(time.Hour, 2*time.Hour+time.Minute)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	if err != nil {
		t.Fatalf("release failed: %v", err)
	}
	if len(st.Expired) != 0 {
		t.Errorf("expired = %+v, want none within 96h", st.Expired)
	}
	if got := h.firstProdDeploy().In(ny); got.Weekday() != time.Monday {
		t.Errorf("prod deploy at %s, want Monday", got)
	}
}
