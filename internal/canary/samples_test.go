package canary

import (
	"slices"
	"testing"
	"time"
)

func TestSamples(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	reqs := []Request{
		{Stable, t0.Add(1 * time.Second), 100 * ms, 200},
		{Canary, t0.Add(2 * time.Second), 250 * ms, 503},
		{Stable, t0.Add(40 * time.Second), 120 * ms, 500},
		{Canary, t0.Add(3 * time.Second), 50 * ms, 200},
		{Stable, t0.Add(45 * time.Second), 80 * ms, 404}, // a client error is no failure
		{Canary, t0.Add(70 * time.Second), 0, 0},         // no response is a failure
		{"mirror", t0, 999 * ms, 500},                    // neither backend: ignored
		{Stable, t0.Add(29 * time.Second), 90 * ms, 200},
	}
	baseline, canary := Samples(reqs, 30*time.Second)

	tests := []struct {
		name string
		got  []float64
		want []float64
	}{
		{"baseline_latency_in_request_order", baseline[Latency], []float64{0.1, 0.12, 0.08, 0.09}},
		// [14:00:00, 14:00:30): 2 ok; [14:00:30, 14:01:00): 500 and 404.
		{"baseline_error_rate_per_interval", baseline[ErrorRate], []float64{0, 0.5}},
		{"canary_latency_counts_failures", canary[Latency], []float64{0.25, 0.05, 0}},
		// [14:00:00, 14:00:30): 503 and 200; [14:00:30, 14:01:00): none,
		// so no sample; [14:01:00, 14:01:30): no response.
		{"canary_error_rate_skips_empty_intervals", canary[ErrorRate], []float64{0.5, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestSamplesErrorRateIgnoresRequestOrderAndZones(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	reqs := []Request{
		{Canary, t0.Add(61 * time.Second), time.Millisecond, 500},
		{Canary, t0.Add(1 * time.Second).In(tokyo), time.Millisecond, 200},
		{Canary, t0.Add(2 * time.Second), time.Millisecond, 500},
		{Canary, t0.Add(62 * time.Second).In(tokyo), time.Millisecond, 200},
		{Canary, t0.Add(3 * time.Second), time.Millisecond, 200},
		{Canary, t0.Add(4 * time.Second), time.Millisecond, 200},
	}
	_, canary := Samples(reqs, time.Minute)
	want := []float64{0.25, 0.5}
	if got := canary[ErrorRate]; !slices.Equal(got, want) {
		t.Errorf("error_rate = %v, want %v", got, want)
	}
	slices.Reverse(reqs)
	if _, again := Samples(reqs, time.Minute); !slices.Equal(again[ErrorRate], want) {
		t.Errorf("reversed requests: error_rate = %v, want %v", again[ErrorRate], want)
	}
}

func TestSamplesWithoutIntervalUsesDefault(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	var reqs []Request
	for s := range 90 {
		reqs = append(reqs, Request{Stable, t0.Add(time.Duration(s) * time.Second), time.Millisecond, 200})
	}
	baseline, _ := Samples(reqs, 0)
	if got := len(baseline[ErrorRate]); got != int(90*time.Second/DefaultInterval) {
		t.Errorf("%d intervals in 90s, want %d", got, 90*time.Second/DefaultInterval)
	}
}

func TestSamplesBackendWithoutRequestsHasNoSamples(t *testing.T) {
	baseline, canary := Samples([]Request{{Stable, time.Unix(0, 0), time.Second, 200}}, time.Second)
	if len(canary) != 0 {
		t.Errorf("canary samples = %v, want none", canary)
	}
	if len(baseline[Latency]) != 1 || len(baseline[ErrorRate]) != 1 {
		t.Errorf("baseline samples = %v, want one of each", baseline)
	}
}

// Samples feeds Judge: a canary failing a third of its requests fails.
func TestSamplesFeedJudge(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	var reqs []Request
	for i := range 600 {
		at := t0.Add(time.Duration(i) * time.Second)
		lat := time.Duration(80+i%40) * time.Millisecond
		reqs = append(reqs, Request{Stable, at, lat, 200})
		status := 200
		if i%3 == 0 {
			status = 502
		}
		reqs = append(reqs, Request{Canary, at.Add(time.Millisecond), lat, status})
	}
	baseline, canary := Samples(reqs, 0)
	got := Judge(Config{}, baseline, canary)
	if got.Class != ClassFail {
		t.Errorf("class = %s, want %s: %s", got.Class, ClassFail, got.Summary())
	}
	// 20 intervals of 30s a side: baseline 0 in each, canary 10/30 in each.
	// U1 = 20*20 = 400, mean 200; two tie groups of 20: sum(t^3-t) = 15960;
	// sigma = sqrt(400/12 * (41 - 15960/(40*39))) = 32.026;
	// z = (400 - 200 - 0.5)/32.026 = 6.2293, p = sf(z) = 2.3e-10.
	// The default error rate is critical, so the summary names it.
	want := "fail, error_rate is critical and high, score 50: error_rate high (canary 0.333 vs baseline 0, p=2.3e-10); latency pass"
	if got.Summary() != want {
		t.Errorf("Summary() = %q, want %q", got.Summary(), want)
	}
}
