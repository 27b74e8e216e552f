package dora

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// now is the end of every window below; with 30 days the window opens at
// 2025-05-31 12:00 UTC.
var now = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

const month = 30 * 24 * time.Hour

func at(day, hour, minute int) time.Time {
	return time.Date(2025, 6, day, hour, minute, 0, 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }

func TestCompute(t *testing.T) {
	tests := []struct {
		name    string
		history History
		want    Report
	}{
		{
			name: "empty_history_has_no_data",
			want: Report{},
		},
		{
			name: "success_gives_lead_time_per_commit",
			history: History{Releases: []Release{{
				Version: "v1.1.0", Outcome: Succeeded,
				Production: at(10, 10, 0), Promoted: at(10, 11, 0), Ended: at(10, 11, 5),
				// 48h, 24h and 2h before promotion.
				CommitTimes: []time.Time{at(8, 11, 0), at(9, 11, 0), at(10, 9, 0)},
			}}},
			want: Report{
				Releases: 1, Deploys: 1, DeploysPerDay: 1.0 / 30,
				// p90: rank 0.9*2 = 1.8, 24h + 0.8*(48h-24h) = 43h12m.
				LeadTime:          &Quantiles{Samples: 3, Median: Duration(24 * time.Hour), P90: Duration(43*time.Hour + 12*time.Minute)},
				ChangeFailureRate: ptr(0.0),
			},
		},
		{
			name: "release_without_commit_times_counts_but_gives_no_lead_time",
			history: History{Releases: []Release{{
				Version: "v1.1.0", Outcome: Succeeded,
				Production: at(10, 10, 0), Promoted: at(10, 11, 0), Ended: at(10, 11, 5),
			}}},
			want: Report{Releases: 1, Deploys: 1, DeploysPerDay: 1.0 / 30, ChangeFailureRate: ptr(0.0)},
		},
		{
			name: "failure_in_canary_is_restored_automatically",
			history: History{Releases: []Release{{
				Version: "v1.2.0", Outcome: Failed,
				Production: at(15, 10, 0), Ended: at(15, 10, 20),
				CommitTimes: []time.Time{at(14, 10, 0)},
			}}},
			want: Report{
				Releases: 1, ChangeFailureRate: ptr(1.0),
				Failures:      []Failure{{Version: "v1.2.0", Restore: AutomaticRollback, TimeToRestore: Duration(20 * time.Minute)}},
				TimeToRestore: &Quantiles{Samples: 1, Median: Duration(20 * time.Minute), P90: Duration(20 * time.Minute)},
			},
		},
		{
			name: "success_restored_by_manual_rollback_counts_from_promotion",
			history: History{
				Releases: []Release{{
					Version: "v1.3.0", Outcome: Succeeded,
					Production: at(20, 9, 0), Promoted: at(20, 10, 0), Ended: at(20, 10, 1),
					CommitTimes: []time.Time{at(20, 8, 0)},
				}},
				Rollbacks: []Rollback{
					{From: "v1.3.0", To: "v1.2.0", Closed: at(21, 9, 0)},
					{From: "v1.3.0", To: "v1.2.0", Closed: at(20, 13, 30)},
				},
			},
			want: Report{
				Releases: 1, Deploys: 1, DeploysPerDay: 1.0 / 30,
				LeadTime:          &Quantiles{Samples: 1, Median: Duration(2 * time.Hour), P90: Duration(2 * time.Hour)},
				ChangeFailureRate: ptr(1.0),
				Failures:          []Failure{{Version: "v1.3.0", Restore: ManualRollback, TimeToRestore: Duration(3*time.Hour + 30*time.Minute)}},
				TimeToRestore:     &Quantiles{Samples: 1, Median: Duration(3*time.Hour + 30*time.Minute), P90: Duration(3*time.Hour + 30*time.Minute)},
			},
		},
		{
			name: "release_outside_window_and_its_rollback_do_not_count",
			history: History{
				Releases: []Release{{
					Version: "v1.0.0", Outcome: Succeeded,
					Production: time.Date(2025, 5, 31, 11, 59, 0, 0, time.UTC), Promoted: at(1, 9, 0), Ended: at(1, 9, 0),
					CommitTimes: []time.Time{at(1, 8, 0)},
				}},
				Rollbacks: []Rollback{{From: "v1.0.0", To: "v0.9.0", Closed: at(2, 9, 0)}},
			},
			want: Report{},
		},
		{
			name: "window_includes_both_ends",
			history: History{Releases: []Release{
				{Version: "v1.0.0", Outcome: Succeeded, Production: now.Add(-month), Promoted: now.Add(-month + time.Hour)},
				{Version: "v1.1.0", Outcome: Succeeded, Production: now, Promoted: now},
				{Version: "v1.2.0", Outcome: Failed, Production: now.Add(time.Second), Ended: now.Add(time.Minute)},
			}},
			want: Report{Releases: 2, Deploys: 2, DeploysPerDay: 2.0 / 30, ChangeFailureRate: ptr(0.0)},
		},
		{
			name: "abort_before_production_does_not_count_abort_after_does",
			history: History{Releases: []Release{
				{Version: "v1.4.0", Outcome: Aborted, Ended: at(3, 9, 0)},
				{Version: "v1.4.1", Outcome: Aborted, Production: at(4, 9, 0), Ended: at(4, 9, 15)},
			}},
			want: Report{
				Releases: 1, ChangeFailureRate: ptr(1.0),
				Failures:      []Failure{{Version: "v1.4.1", Restore: AutomaticRollback, TimeToRestore: Duration(15 * time.Minute)}},
				TimeToRestore: &Quantiles{Samples: 1, Median: Duration(15 * time.Minute), P90: Duration(15 * time.Minute)},
			},
		},
		{
			name: "commit_dated_after_promotion_counts_as_zero",
			history: History{Releases: []Release{{
				Version: "v1.1.0", Outcome: Succeeded,
				Production: at(10, 10, 0), Promoted: at(10, 11, 0),
				CommitTimes: []time.Time{at(10, 12, 0)},
			}}},
			want: Report{
				Releases: 1, Deploys: 1, DeploysPerDay: 1.0 / 30, ChangeFailureRate: ptr(0.0),
				LeadTime: &Quantiles{Samples: 1},
			},
		},
		{
			name: "month_of_releases",
			history: History{
				Releases: []Release{
					// Lead times 24h and 2h.
					{Version: "v1.1.0", Outcome: Succeeded, Production: at(1, 9, 0), Promoted: at(1, 10, 0), Ended: at(1, 10, 1),
						CommitTimes: []time.Time{time.Date(2025, 5, 31, 10, 0, 0, 0, time.UTC), at(1, 8, 0)}},
					// Released before commit times were recorded.
					{Version: "v1.2.0", Outcome: Succeeded, Production: at(5, 9, 0), Promoted: at(5, 9, 30), Ended: at(5, 9, 31)},
					// Restored automatically in 40m.
					{Version: "v1.3.0", Outcome: Failed, Production: at(10, 9, 0), Ended: at(10, 9, 40),
						CommitTimes: []time.Time{at(9, 9, 0)}},
					// Lead times 30h, 4h and 30m; rolled back by hand 6h after promotion.
					{Version: "v1.4.0", Outcome: Succeeded, Production: at(12, 9, 0), Promoted: at(12, 10, 0), Ended: at(12, 10, 1),
						CommitTimes: []time.Time{at(11, 4, 0), at(12, 6, 0), at(12, 9, 30)}},
					// Aborted at QA signoff.
					{Version: "v1.5.0", Outcome: Aborted, Ended: at(14, 9, 0)},
					// Before the window.
					{Version: "v1.0.0", Outcome: Succeeded, Production: time.Date(2025, 5, 20, 9, 0, 0, 0, time.UTC),
						Promoted: time.Date(2025, 5, 20, 10, 0, 0, 0, time.UTC)},
				},
				Rollbacks: []Rollback{
					{From: "v1.0.0", To: "v0.9.0", Closed: time.Date(2025, 5, 21, 9, 0, 0, 0, time.UTC)},
					{From: "v1.4.0", To: "v1.2.0", Closed: at(12, 16, 0)},
					{From: "v9.9.9", To: "v1.4.0", Closed: at(13, 9, 0)},
				},
			},
			want: Report{
				Releases: 4, Deploys: 3, DeploysPerDay: 0.1,
				// Sorted: 30m, 2h, 4h, 24h, 30h. p90: rank 3.6, 24h + 0.6*6h = 27h36m.
				LeadTime:          &Quantiles{Samples: 5, Median: Duration(4 * time.Hour), P90: Duration(27*time.Hour + 36*time.Minute)},
				ChangeFailureRate: ptr(0.5),
				Failures: []Failure{
					{Version: "v1.3.0", Restore: AutomaticRollback, TimeToRestore: Duration(40 * time.Minute)},
					{Version: "v1.4.0", Restore: ManualRollback, TimeToRestore: Duration(6 * time.Hour)},
				},
				// Median (40m+6h)/2 = 3h20m; p90: 40m + 0.9*5h20m = 5h28m.
				TimeToRestore: &Quantiles{Samples: 2, Median: Duration(3*time.Hour + 20*time.Minute), P90: Duration(5*time.Hour + 28*time.Minute)},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.history, now, month)
			want := tt.want
			want.From, want.To, want.Days = now.Add(-month), now, 30
			if want.Failures == nil {
				want.Failures = []Failure{}
			}
			if g, w := dump(t, got), dump(t, want); g != w {
				t.Errorf("Compute:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// dump renders a report with its durations readable, so a mismatch shows
// which metric is off.
func dump(t *testing.T, r Report) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestComputeEmptyHistoryMarshalsNoDataAsNull(t *testing.T) {
	b, err := json.Marshal(Compute(History{}, now, month))
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"leadTime":null`, `"changeFailureRate":null`, `"timeToRestore":null`, `"deploysPerDay":0`, `"failures":[]`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("%s lacks %s", b, field)
		}
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "30d", want: month},
		{in: "1d", want: 24 * time.Hour},
		{in: "12h", want: 12 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "", err: "want a number of days"},
		{in: "d", err: "want a number of days"},
		{in: "1.5d", err: "want a number of days"},
		{in: "thirty", err: "want a number of days"},
		{in: "30", err: "want a number of days"},
		{in: "999999d", err: "want a number of days"},
		{in: "0d", err: "longer than zero"},
		{in: "-2d", err: "longer than zero"},
		{in: "-1h", err: "longer than zero"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWindow(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseWindow(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseWindow(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDurationString(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{400 * time.Millisecond, "0s"},
		{42 * time.Second, "42s"},
		{40*time.Minute + 400*time.Millisecond, "40m"},
		{47*time.Minute + 30*time.Second, "47m30s"},
		{3*time.Hour + 20*time.Minute + 10*time.Second, "3h20m"},
		{17 * time.Hour, "17h"},
		{59*time.Minute + 59*time.Second + 600*time.Millisecond, "1h"},
		{27*time.Hour + 36*time.Minute, "1d4h"},
		{30 * 24 * time.Hour, "30d"},
		{-90 * time.Second, "-1m30s"},
	}
	for _, tt := range tests {
		if got := Duration(tt.in).String(); got != tt.want {
			t.Errorf("Duration(%v).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}
