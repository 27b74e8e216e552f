// Package canary judges a canary against its baseline the way Kayenta does:
// each metric's canary samples are compared with the baseline's by a
// Mann-Whitney U test and a Hodges-Lehmann shift estimate, classified high,
// low or pass, and the weights of the metrics that pass make a score from 0
// to 100 that classifies the canary pass, marginal or fail. A critical
// metric decides alone: harmful, it fails the canary whatever the score,
// and with too few samples it keeps the canary from passing (nodata), so
// that no canary passes on latency while its error rate went unjudged.
//
// The judge and its statistics are pure and deterministic. The samples come
// from the traffic router's request records (Samples) or from Prometheus.
package canary

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Classes of a canary (Result.Class) and of one metric (MetricResult.Class).
const (
	ClassPass     = "pass"     // canary: score >= Pass; metric: no change beyond tolerance
	ClassMarginal = "marginal" // canary: Marginal <= score < Pass; a person decides
	ClassFail     = "fail"     // canary: score < Marginal, or a critical metric harmful
	ClassNoData   = "nodata"   // too few samples to judge, on every metric or a critical one; never a pass
	ClassHigh     = "high"     // metric: canary significantly higher, beyond tolerance
	ClassLow      = "low"      // metric: canary significantly lower, beyond tolerance
)

// relativeFloor stands in for a baseline median of zero when the shift is
// made relative to it, so the relative change stays finite (a zero baseline
// error rate and a canary at 0.001 make a relative change of 1e6).
const relativeFloor = 1e-9

// Result is the verdict on a canary.
type Result struct {
	Class   string         // ClassPass, ClassMarginal, ClassFail or ClassNoData
	Score   float64        // 0 to 100: the weight share of judged metrics that did not fail; 0 when none was judged
	Metrics []MetricResult // one per metric, in the Config's order
}

// MetricResult is the verdict on one metric.
type MetricResult struct {
	Name     string // the Metric's name
	Class    string // ClassPass, ClassHigh, ClassLow or ClassNoData
	Critical bool   // the Metric is critical
	Harmful  bool   // Class is the Metric's harmful direction, so it counts against the score

	// P is the p-value of the test that decided Class: the test in the
	// harmful direction for a pass, in the direction found for high and low;
	// 1 when there was no test.
	P float64

	Effect   float64 // Hodges-Lehmann shift of the canary from the baseline, in the metric's unit
	Relative float64 // Effect / max(|BaselineMedian|, 1e-9): large but finite for a zero median

	BaselineN, CanaryN           int     // finite samples on each side
	BaselineMedian, CanaryMedian float64 // medians of those samples; 0 when there are none
}

// Judge classifies the canary by comparing its samples with the baseline's,
// metric by metric in cfg's order; the maps are keyed by metric name.
// NaN and infinite samples are dropped. A metric with fewer than MinSamples
// samples on either side is ClassNoData and left out of the score. The
// canary is then, in this order:
//
//   - ClassNoData when every metric is ClassNoData;
//   - ClassFail when a critical metric changed in its harmful direction,
//     whatever the score, or when the score is below Marginal;
//   - ClassNoData when a critical metric is ClassNoData, however well
//     the others did: the canary never passes without that metric. Score
//     and Metrics still say how the others were judged;
//   - else ClassPass or ClassMarginal by the score.
//
// Fields of cfg that are zero or that Validate would refuse take their
// defaults.
func Judge(cfg Config, baseline, canary map[string][]float64) Result {
	cfg = cfg.effective()
	alpha := 1 - cfg.Confidence

	// Weights are scaled by the largest so that their sums stay finite.
	var maxWeight float64
	for _, m := range cfg.Metrics {
		maxWeight = max(maxWeight, m.Weight)
	}

	r := Result{Metrics: make([]MetricResult, 0, len(cfg.Metrics))}
	var passed, judged float64
	var criticalHarmed, criticalUnjudged bool
	for _, m := range cfg.Metrics {
		mr := judgeMetric(m, alpha, cfg.MinSamples, baseline[m.Name], canary[m.Name])
		r.Metrics = append(r.Metrics, mr)
		if mr.Class == ClassNoData {
			criticalUnjudged = criticalUnjudged || m.Critical
			continue
		}
		w := m.Weight / maxWeight
		judged += w
		if mr.Harmful {
			criticalHarmed = criticalHarmed || m.Critical
		} else {
			passed += w
		}
	}
	if judged == 0 {
		r.Class = ClassNoData
		return r
	}
	r.Score = min(100, 100*passed/judged)
	switch {
	case criticalHarmed || r.Score < cfg.Marginal:
		r.Class = ClassFail
	case criticalUnjudged:
		r.Class = ClassNoData
	case r.Score >= cfg.Pass:
		r.Class = ClassPass
	default:
		r.Class = ClassMarginal
	}
	return r
}

// harmful reports whether a metric of the given direction fails with class.
func harmful(direction, class string) bool {
	switch direction {
	case Increase:
		return class == ClassHigh
	case Decrease:
		return class == ClassLow
	}
	return class == ClassHigh || class == ClassLow
}

func judgeMetric(m Metric, alpha float64, minSamples int, baseline, canary []float64) MetricResult {
	baseline, canary = finiteOnly(baseline), finiteOnly(canary)
	r := MetricResult{Name: m.Name, Class: ClassNoData, Critical: m.Critical, P: 1, BaselineN: len(baseline), CanaryN: len(canary)}
	if len(baseline) > 0 {
		r.BaselineMedian = median(baseline)
	}
	if len(canary) > 0 {
		r.CanaryMedian = median(canary)
	}
	if len(baseline) < minSamples || len(canary) < minSamples {
		return r
	}

	// Hodges-Lehmann estimates the shift; for rare events (an error rate
	// that is zero in most intervals) it is 0 even when the canary clearly
	// fails more often, so then the difference of the means stands in.
	r.Effect = bounded(HodgesLehmann(canary, baseline))
	if r.Effect == 0 {
		r.Effect = bounded(mean(canary) - mean(baseline))
	}
	r.Relative = bounded(r.Effect / max(math.Abs(r.BaselineMedian), relativeFloor))
	beyond := math.Abs(r.Effect) > m.AbsTolerance && math.Abs(r.Relative) > m.Tolerance

	// The test in the harmful direction decides pass or fail; for a
	// one-sided metric the test the other way then tells a harmless change
	// from none.
	harm, other := TwoSided, TwoSided
	switch m.Direction {
	case Increase:
		harm, other = Greater, Less
	case Decrease:
		harm, other = Less, Greater
	}
	r.Class, r.P = shift(canary, baseline, harm, alpha, beyond, r.Effect)
	if r.Class == ClassPass && other != harm {
		if class, p := shift(canary, baseline, other, alpha, beyond, r.Effect); class != ClassPass {
			r.Class, r.P = class, p
		}
	}
	r.Harmful = harmful(m.Direction, r.Class)
	return r
}

// shift tests for a shift of the canary from the baseline in direction alt
// and returns ClassHigh or ClassLow when it is significant at alpha, beyond
// tolerance and the estimate points the same way, else ClassPass; and the
// test's p-value.
func shift(canary, baseline []float64, alt Alternative, alpha float64, beyond bool, effect float64) (string, float64) {
	t, err := MannWhitneyU(canary, baseline, alt)
	if err != nil {
		return ClassPass, 1 // unreachable: both samples are non-empty and finite
	}
	if t.P >= alpha || !beyond {
		return ClassPass, t.P
	}
	switch {
	case effect > 0 && alt != Less:
		return ClassHigh, t.P
	case effect < 0 && alt != Greater:
		return ClassLow, t.P
	}
	return ClassPass, t.P
}

// bounded keeps the shift of samples near the float64 limits finite, so
// that the result encodes as JSON: an overflow becomes the largest float64
// of its sign, and the NaN of an infinite shift both ways becomes 0.
func bounded(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return max(-math.MaxFloat64, min(f, math.MaxFloat64))
}

func finiteOnly(v []float64) []float64 {
	out := make([]float64, 0, len(v))
	for _, f := range v {
		if !notFinite(f) {
			out = append(out, f)
		}
	}
	return out
}

// Summary explains the result in one line, for example
// "fail, score 50: error_rate high (canary 0.31 vs baseline 0, p=0.0001); latency pass".
// When a critical metric decided the class, the line starts with it:
// "nodata, error_rate is critical and has too few samples: ..." or
// "fail, error_rate is critical and high, score 50: ...".
func (r Result) Summary() string {
	var b strings.Builder
	// Rounded down, so that a marginal 94.99 never reads as a passing 95.
	score := strconv.FormatFloat(math.Floor(r.Score*10)/10, 'f', -1, 64)
	var unjudged, harmed []MetricResult
	judgedAny := false
	for _, m := range r.Metrics {
		judgedAny = judgedAny || m.Class != ClassNoData
		switch {
		case m.Critical && m.Class == ClassNoData:
			unjudged = append(unjudged, m)
		case m.Critical && m.Harmful:
			harmed = append(harmed, m)
		}
	}
	switch {
	case r.Class == ClassNoData && judgedAny && len(unjudged) == 1:
		fmt.Fprintf(&b, "nodata, %s is critical and has too few samples", unjudged[0].Name)
	case r.Class == ClassNoData && judgedAny && len(unjudged) > 1:
		fmt.Fprintf(&b, "nodata, %s are critical and have too few samples", names(unjudged))
	case r.Class == ClassNoData:
		b.WriteString("nodata, too few samples to judge")
	case r.Class == ClassFail && len(harmed) == 1:
		fmt.Fprintf(&b, "fail, %s is critical and %s, score %s", harmed[0].Name, harmed[0].Class, score)
	case r.Class == ClassFail && len(harmed) > 1:
		fmt.Fprintf(&b, "fail, %s are critical and changed for the worse, score %s", names(harmed), score)
	default:
		fmt.Fprintf(&b, "%s, score %s", r.Class, score)
	}
	for i, m := range r.Metrics {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + m.Name + " " + m.Class)
		switch m.Class {
		case ClassHigh, ClassLow:
			fmt.Fprintf(&b, " (canary %s vs baseline %s, p=%s)",
				number(m.CanaryMedian), number(m.BaselineMedian), strconv.FormatFloat(m.P, 'g', 2, 64))
		case ClassNoData:
			fmt.Fprintf(&b, " (%d canary and %d baseline samples)", m.CanaryN, m.BaselineN)
		}
	}
	return b.String()
}

// names lists the metrics' names as a sentence does: "a and b", "a, b and c".
func names(ms []MetricResult) string {
	s := ms[0].Name
	for i, m := range ms[1:] {
		if i == len(ms)-2 {
			s += " and " + m.Name
		} else {
			s += ", " + m.Name
		}
	}
	return s
}

// number formats a median with three significant digits, without an
// exponent for the values metrics usually have.
func number(f float64) string {
	if math.Abs(f) >= 1000 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// mean is the arithmetic mean of finite, non-empty samples.
func mean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}
