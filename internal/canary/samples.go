package canary

import (
	"cmp"
	"slices"
	"time"
)

// Backends of the traffic router, as Request.Backend names them.
const (
	Stable = "stable" // the baseline: the version in production
	Canary = "canary" // the version under test
)

// DefaultInterval is the error-rate interval Samples uses when given none.
const DefaultInterval = 30 * time.Second

// Request is one request the traffic router served.
type Request struct {
	Backend string        // Stable or Canary; other requests are ignored
	At      time.Time     // when it arrived
	Latency time.Duration // until the response was complete
	Status  int           // HTTP status; 0 when no response came back
}

// failed reports whether the request failed on the server's side: a 5xx
// status, or no valid status at all (the backend did not answer).
func (r Request) failed() bool { return r.Status >= 500 || r.Status < 100 }

// Samples turns the router's request records into the samples Judge
// compares, for the baseline (Stable) and the canary:
//
//   - Latency: the latency of every request in seconds, in the order of reqs.
//     Failed requests count too: a slow failure is as slow for the user, and
//     a fast one is caught by the error rate.
//   - ErrorRate: for each interval of time, the fraction of the backend's
//     requests in it that failed (5xx or no response), in time order.
//     Intervals are aligned to multiples of interval since the zero time, so
//     both backends share them; an interval without requests gives no sample.
//     An interval <= 0 means DefaultInterval.
//
// A backend without requests has no samples at all. The result depends only
// on reqs and interval.
func Samples(reqs []Request, interval time.Duration) (baseline, canary map[string][]float64) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return backendSamples(reqs, Stable, interval), backendSamples(reqs, Canary, interval)
}

// instant keys an interval by its start, whatever the time's location.
type instant struct {
	sec  int64
	nsec int
}

func backendSamples(reqs []Request, backend string, interval time.Duration) map[string][]float64 {
	type tally struct{ total, failed int }
	var latency []float64
	tallies := make(map[instant]*tally)
	for _, r := range reqs {
		if r.Backend != backend {
			continue
		}
		latency = append(latency, r.Latency.Seconds())
		start := r.At.Truncate(interval)
		key := instant{start.Unix(), start.Nanosecond()}
		t := tallies[key]
		if t == nil {
			t = &tally{}
			tallies[key] = t
		}
		t.total++
		if r.failed() {
			t.failed++
		}
	}
	samples := make(map[string][]float64)
	if len(latency) == 0 {
		return samples
	}
	starts := make([]instant, 0, len(tallies))
	for k := range tallies {
		starts = append(starts, k)
	}
	slices.SortFunc(starts, func(a, b instant) int {
		return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec))
	})
	rates := make([]float64, len(starts))
	for i, k := range starts {
		rates[i] = float64(tallies[k].failed) / float64(tallies[k].total)
	}
	samples[Latency], samples[ErrorRate] = latency, rates
	return samples
}
