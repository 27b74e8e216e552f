// Package dora computes a product's four DORA metrics from its release
// history. It does no I/O: the caller reads the history (see
// workflows/control) and passes it in as records.
//
// The definitions, over the window [now-since, now]:
//
//   - A release counts when it reached production in the window: its canary
//     stage started in the window. Releases that never reached production,
//     aborted or failed before canary, do not count.
//   - Deploy frequency: the successful releases that count, as a number and
//     per day (number / window length in days).
//   - Lead time for changes: over every commit of every successful release
//     that counts, the time from the commit's author time to the end of the
//     release's promote stage (when it became the production version). The
//     median and the 90th percentile are reported. A release that carries no
//     commit times gives no sample; a commit dated after its promotion (a
//     skewed clock) counts as zero.
//   - Change failure rate: failed changes / releases that count. A failed
//     change is a release that failed or was aborted after reaching
//     production (the canary rolls it back automatically), or a successful
//     release that a production rollback later rolled back from.
//   - Time to restore, per failed change: for an automatic rollback, the
//     release's end minus its canary start; for a manual rollback, the
//     rollback's close minus the release's promotion, an upper bound (the
//     time the faulty version was live). The median is reported.
//
// Quantiles interpolate linearly between the two nearest samples, as a
// spreadsheet's PERCENTILE.INC does. A metric with no samples has no data:
// its field is nil, never 0.
package dora

import (
	"math"
	"slices"
	"time"
)

// Outcome is how a release ended.
type Outcome string

// Outcomes of a release.
const (
	Succeeded Outcome = "succeeded"
	Failed    Outcome = "failed"
	Aborted   Outcome = "aborted"
)

// Release is one finished release.
type Release struct {
	Version string
	Outcome Outcome
	// Production is when the canary stage started, which exposed the
	// release to production; zero if it never did.
	Production time.Time
	// Promoted is when the promote stage ended, which made the release the
	// production version; zero if it never did.
	Promoted time.Time
	// Ended is when the release finished.
	Ended time.Time
	// CommitTimes are the author times of the release's commits.
	CommitTimes []time.Time
}

// Rollback is one finished production rollback.
type Rollback struct {
	// From is the version that was in production before the rollback.
	From string
	To   string
	// Closed is when the rollback finished.
	Closed time.Time
}

// History is what the metrics are computed from.
type History struct {
	Releases  []Release
	Rollbacks []Rollback
}

// Restore kinds: how a failed change was undone.
const (
	AutomaticRollback = "automatic"
	ManualRollback    = "manual"
)

// Failure is one failed change.
type Failure struct {
	Version string `json:"version"`
	// Restore is AutomaticRollback or ManualRollback.
	Restore string `json:"restore"`
	// TimeToRestore is how long the failure lasted, as defined above.
	TimeToRestore Duration `json:"timeToRestoreSeconds"`
}

// Report holds the four metrics over one window.
type Report struct {
	Product string    `json:"product,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Days    float64   `json:"days"`
	// Releases is the number of releases that reached production in the
	// window, the change failure rate's denominator.
	Releases int `json:"releases"`
	// Deploys is the number of those that succeeded.
	Deploys       int     `json:"deploys"`
	DeploysPerDay float64 `json:"deploysPerDay"`
	// LeadTime is nil when no successful release carries commit times.
	LeadTime *Quantiles `json:"leadTime"`
	// ChangeFailureRate is nil when no release reached production.
	ChangeFailureRate *float64  `json:"changeFailureRate"`
	Failures          []Failure `json:"failures"`
	// TimeToRestore is nil when no change failed.
	TimeToRestore *Quantiles `json:"timeToRestore"`
}

// Quantiles summarise duration samples.
type Quantiles struct {
	Samples int      `json:"samples"`
	Median  Duration `json:"medianSeconds"`
	P90     Duration `json:"p90Seconds"`
}

// Compute computes the report of the window [now-since, now].
func Compute(h History, now time.Time, since time.Duration) Report {
	from := now.Add(-since)
	rep := Report{From: from, To: now, Days: since.Hours() / 24, Failures: []Failure{}}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(from) && !t.After(now) }

	var leads, restores []time.Duration
	for _, r := range h.Releases {
		if !in(r.Production) {
			continue
		}
		rep.Releases++
		switch r.Outcome {
		case Succeeded:
			rep.Deploys++
			for _, c := range r.CommitTimes {
				leads = append(leads, max(r.Promoted.Sub(c), 0))
			}
			if rb, ok := rolledBack(h.Rollbacks, r); ok {
				d := rb.Closed.Sub(r.Promoted)
				restores = append(restores, d)
				rep.Failures = append(rep.Failures, Failure{Version: r.Version, Restore: ManualRollback, TimeToRestore: Duration(d)})
			}
		case Failed, Aborted:
			d := r.Ended.Sub(r.Production)
			restores = append(restores, d)
			rep.Failures = append(rep.Failures, Failure{Version: r.Version, Restore: AutomaticRollback, TimeToRestore: Duration(d)})
		}
	}
	if rep.Days > 0 {
		rep.DeploysPerDay = float64(rep.Deploys) / rep.Days
	}
	rep.LeadTime = quantiles(leads)
	if rep.Releases > 0 {
		rate := float64(len(rep.Failures)) / float64(rep.Releases)
		rep.ChangeFailureRate = &rate
	}
	rep.TimeToRestore = quantiles(restores)
	return rep
}

// rolledBack finds the first rollback from a successful release after its
// promotion.
func rolledBack(rollbacks []Rollback, r Release) (Rollback, bool) {
	var first Rollback
	found := false
	for _, rb := range rollbacks {
		if rb.From != r.Version || rb.Closed.Before(r.Promoted) {
			continue
		}
		if !found || rb.Closed.Before(first.Closed) {
			first, found = rb, true
		}
	}
	return first, found
}

// quantiles summarises samples; nil when there are none.
func quantiles(samples []time.Duration) *Quantiles {
	if len(samples) == 0 {
		return nil
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return &Quantiles{Samples: len(s), Median: Duration(quantile(s, 0.5)), P90: Duration(quantile(s, 0.9))}
}

// quantile of sorted samples, interpolating linearly between the two
// nearest ranks.
func quantile(sorted []time.Duration, q float64) time.Duration {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	frac := pos - float64(lo)
	return sorted[lo] + time.Duration(math.Round(frac*float64(sorted[hi]-sorted[lo])))
}
