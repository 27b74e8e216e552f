package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// thursday2pm is Thursday 2026-11-19 14:00 in New York, inside the window.
var thursday2pm = time.Date(2026, 11, 19, 14, 0, 0, 0, ny)

// prodDeploys returns the prod deploy calls in order.
func (h *harness) prodDeploys() []contract.DeployRequest {
	var out []contract.DeployRequest
	for _, c := range h.called(contract.DeployName) {
		if r := c.req.(contract.DeployRequest); r.Env == config.Prod {
			out = append(out, r)
		}
	}
	return out
}

// firstProdDeploy is when the first prod deploy started.
func (h *harness) firstProdDeploy() time.Time {
	for _, c := range h.called(contract.DeployName) {
		if c.req.(contract.DeployRequest).Env == config.Prod {
			return c.at
		}
	}
	h.t.Fatal("nothing was deployed to prod")
	return time.Time{}
}

func TestRelease_goes_through_every_stage_in_order(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.approveAll(30*time.Minute, time.Hour)
	st := h.succeeded(input(t, nil))
	for _, s := range st.Stages {
		want := Done
		if s.Name == StageAnnounce {
			want = Skipped // no notifications configured
		}
		if s.State != want {
			t.Errorf("stage %s = %s (%s), want %s", s.Name, s.State, s.Detail, want)
		}
	}
	var order []string
	for _, c := range h.called(contract.DeployName) {
		r := c.req.(contract.DeployRequest)
		order = append(order, r.Env+"/"+r.Service.Name)
	}
	if got, want := strings.Join(order, ","), "stage/auth-server,stage/api,prod/auth-server,prod/api"; got != want {
		t.Errorf("deploy order = %s, want %s", got, want)
	}
	for _, c := range h.called(contract.BuildName) {
		if r := c.req.(contract.BuildRequest); r.Number != 7 || r.Commit == "" {
			t.Errorf("build of %s: number %d commit %q; want the release's build number 7 and its commit", r.Service, r.Number, r.Commit)
		}
	}
	if n := len(h.called(contract.VerifyName)); n != 4 {
		t.Errorf("verified %d times, want once before each of 4 deploys", n)
	}
	if got := h.firstProdDeploy(); !got.Equal(thursday2pm.Add(time.Hour + 5*time.Minute)) {
		t.Errorf("prod deploy at %s, want five minutes after the last signoff", got.In(ny))
	}
	if !strings.Contains(st.Notes, "checkout rounding") {
		t.Errorf("release notes %q not kept in the result", st.Notes)
	}
	if len(st.Signoffs) != 2 || st.Signoffs[0].Person != "quinn" || st.Signoffs[1].Role != "sre" {
		t.Errorf("signoffs = %+v", st.Signoffs)
	}
	// The notes say who approved, and when.
	for _, want := range []string{
		"## Approved by",
		"- quinn, qa on stage, " + thursday2pm.Add(30*time.Minute).UTC().Format("2006-01-02 15:04 UTC"),
		"- sam, sre on prod, " + thursday2pm.Add(time.Hour).UTC().Format("2006-01-02 15:04 UTC"),
	} {
		if !strings.Contains(st.Notes, want) {
			t.Errorf("release notes:\n%s\nwant a line with %q", st.Notes, want)
		}
	}
}

func TestWindow(t *testing.T) {
	cases := []struct {
		name     string
		start    time.Time
		eta      time.Time
		qa, sre  time.Duration
		override time.Duration // 0: none
		want     time.Time
	}{
		{
			name:  "thursday_approval_after_close_waits_until_monday_0800",
			start: thursday2pm, qa: time.Hour, sre: 2*time.Hour + time.Minute,
			want: time.Date(2026, 11, 23, 8, 0, 0, 0, ny),
		},
		{
			name:  "approval_late_enough_that_ship_delay_crosses_close_waits_until_monday",
			start: thursday2pm, qa: time.Hour, sre: time.Hour + 56*time.Minute,
			want: time.Date(2026, 11, 23, 8, 0, 0, 0, ny),
		},
		{
			name:  "ship_time_that_leaves_too_little_for_the_deploy_before_close_waits_until_monday",
			start: thursday2pm, qa: time.Hour, sre: time.Hour + 54*time.Minute,
			want: time.Date(2026, 11, 23, 8, 0, 0, 0, ny),
		},
		{
			name:  "ship_time_that_leaves_just_the_deploy_time_before_close_ships_same_day",
			start: thursday2pm, qa: time.Hour, sre: time.Hour + 45*time.Minute,
			want: time.Date(2026, 11, 19, 15, 50, 0, 0, ny),
		},
		{
			name:  "friday_approval_waits_until_monday_0800",
			start: time.Date(2026, 11, 20, 9, 0, 0, 0, ny), qa: time.Hour, sre: 2 * time.Hour,
			want: time.Date(2026, 11, 23, 8, 0, 0, 0, ny),
		},
		{
			name:  "night_approval_waits_until_0800",
			start: time.Date(2026, 11, 16, 23, 0, 0, 0, ny), qa: time.Hour, sre: 2 * time.Hour,
			want: time.Date(2026, 11, 17, 8, 0, 0, 0, ny),
		},
		{
			name:  "eta_in_the_window_is_honoured",
			start: thursday2pm, eta: time.Date(2026, 11, 24, 10, 30, 0, 0, ny), qa: time.Hour, sre: 90 * time.Minute,
			want: time.Date(2026, 11, 24, 10, 30, 0, 0, ny),
		},
		{
			name:  "eta_outside_the_window_waits_for_the_next_opening",
			start: thursday2pm, eta: time.Date(2026, 11, 24, 17, 0, 0, 0, ny), qa: time.Hour, sre: 90 * time.Minute,
			want: time.Date(2026, 11, 25, 8, 0, 0, 0, ny),
		},
		{
			name:  "exception_opens_the_window_at_once",
			start: thursday2pm, qa: time.Hour, sre: 2*time.Hour + time.Minute, override: 3 * time.Hour,
			want: thursday2pm.Add(3 * time.Hour),
		},
		{
			name:  "exception_given_early_skips_the_wait",
			start: thursday2pm, qa: time.Hour, sre: 2*time.Hour + time.Minute, override: 10 * time.Minute,
			want: thursday2pm.Add(2*time.Hour + time.Minute),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.start)
			h.approveAll(tc.qa, tc.sre)
			if tc.override > 0 {
				h.at(tc.override, func() {
					h.mustUpdate(contract.OverrideWindow, OverrideRequest{Person: "sasha", Reason: ProdDown, Justification: "checkout down since 16:40, INC-1"})
				})
			}
			// Signoffs given days before an ETA are kept valid that long
			// here: these cases are about the window, expiry has its own.
			in := input(t, func(p *config.Pipeline) {
				for name, e := range p.Environments {
					for i := range e.Signoffs {
						e.Signoffs[i].ValidFor = 7 * 24 * time.Hour
					}
					p.Environments[name] = e
				}
			})
			in.ETA = tc.eta
			h.env.ExecuteWorkflow(ReleaseWorkflow, in)
			st, err := h.result()
			if err != nil {
				t.Fatalf("release failed: %v", err)
			}
			if got := h.firstProdDeploy(); !got.Equal(tc.want) {
				t.Errorf("first prod deploy at %s, want %s", got.In(ny).Format(time.RFC3339), tc.want.In(ny).Format(time.RFC3339))
			}
			if tc.override > 0 && (st.Exception == nil || st.Exception.Person != "sasha" || st.Exception.Reason != ProdDown) {
				t.Errorf("exception not recorded: %+v", st.Exception)
			}
		})
	}
}

func TestWindow_shut_shows_when_it_opens(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.approveAll(time.Hour, 2*time.Hour+time.Minute)
	h.at(30*time.Hour, func() {
		st := h.status()
		if st.Stage != StageWindow || st.stage(StageWindow).State != Waiting {
			t.Errorf("friday: at %s (%s), want waiting at the window", st.Stage, st.stage(StageWindow).State)
		}
		if want := time.Date(2026, 11, 23, 8, 0, 0, 0, ny); !st.WindowOpensAt.Equal(want) {
			t.Errorf("window opens at %s, want %s", st.WindowOpensAt, want)
		}
		if d := st.stage(StageWindow).Detail; !strings.Contains(d, "Mon 2026-11-23 08:00") {
			t.Errorf("window detail %q does not say when it opens", d)
		}
		if len(h.prodDeploys()) != 0 {
			t.Error("deployed to prod while the window was shut")
		}
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	if _, err := h.result(); err != nil {
		t.Fatal(err)
	}
}

// TestRelease_opsNote: the note for operators shows at the SRE gate while
// it waits, and is kept in the release notes.
func TestRelease_opsNote(t *testing.T) {
	h := newHarness(t, thursday2pm)
	const note = "run the cache warm-up before approving"
	h.at(45*time.Minute, func() {
		st := h.status()
		var detail string
		for _, s := range st.Stages {
			if s.Name == StageApproval {
				detail = s.Detail
			}
		}
		if !strings.Contains(detail, "note for operators: "+note) {
			t.Errorf("the SRE gate waits with %q; want the note for operators", detail)
		}
	})
	h.approveAll(30*time.Minute, time.Hour)
	in := input(t, nil)
	in.OpsNote = note
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	if st.OpsNote != note || !strings.Contains(st.Notes, "## Note for operators\n\n"+note) {
		t.Errorf("status note %q, notes:\n%s\nwant the note kept", st.OpsNote, st.Notes)
	}
}
