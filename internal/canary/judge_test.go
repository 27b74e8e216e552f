package canary

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// draw returns n values of dist from a generator seeded with seed, so every
// test sees the same samples on every run.
func draw(seed uint64, n int, dist func(*rand.Rand) float64) []float64 {
	r := rand.New(rand.NewPCG(seed, seed))
	v := make([]float64, n)
	for i := range v {
		v[i] = dist(r)
	}
	return v
}

// latency is a skewed latency distribution in seconds, scaled by factor.
func latency(factor float64) func(*rand.Rand) float64 {
	return func(r *rand.Rand) float64 { return factor * (0.1 + 0.05*r.ExpFloat64()) }
}

// errorRate is the fraction of 50 requests an interval fails, each failing
// with probability p.
func errorRate(p float64) func(*rand.Rand) float64 {
	return func(r *rand.Rand) float64 {
		failed := 0
		for range 50 {
			if r.Float64() < p {
				failed++
			}
		}
		return float64(failed) / 50
	}
}

func constant(c float64) func(*rand.Rand) float64 {
	return func(*rand.Rand) float64 { return c }
}

func TestJudge(t *testing.T) {
	routerMetrics := Config{} // DefaultMetrics: error_rate then latency
	tests := []struct {
		name             string
		cfg              Config
		baseline, canary map[string][]float64
		class            string
		score            float64
		metricClasses    []string
	}{
		{
			name: "identical_distributions_pass",
			cfg:  routerMetrics,
			baseline: map[string][]float64{
				ErrorRate: draw(1, 30, errorRate(0.02)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 30, errorRate(0.02)),
				Latency:   draw(4, 500, latency(1)),
			},
			class: ClassPass, score: 100, metricClasses: []string{ClassPass, ClassPass},
		},
		{
			name: "clearly_higher_canary_error_rate_fails",
			cfg:  routerMetrics,
			baseline: map[string][]float64{
				ErrorRate: draw(1, 30, errorRate(0.01)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 30, errorRate(0.3)),
				Latency:   draw(4, 500, latency(1)),
			},
			class: ClassFail, score: 50, metricClasses: []string{ClassHigh, ClassPass},
		},
		{
			// 5% slower is significant with 2000 requests a side, but inside
			// the 10% tolerance; TestJudgeToleranceNotSignificance checks the p.
			name:     "higher_latency_within_tolerance_passes",
			cfg:      Config{Metrics: []Metric{{Name: Latency}}},
			baseline: map[string][]float64{Latency: draw(2, 2000, latency(1))},
			canary:   map[string][]float64{Latency: draw(4, 2000, latency(1.05))},
			class:    ClassPass, score: 100, metricClasses: []string{ClassPass},
		},
		{
			name:     "latency_beyond_tolerance_fails",
			cfg:      Config{Metrics: []Metric{{Name: Latency}}},
			baseline: map[string][]float64{Latency: draw(2, 200, latency(1))},
			canary:   map[string][]float64{Latency: draw(4, 200, latency(1.5))},
			class:    ClassFail, score: 0, metricClasses: []string{ClassHigh},
		},
		{
			name: "too_few_samples_is_nodata_not_pass",
			cfg:  routerMetrics,
			baseline: map[string][]float64{
				ErrorRate: draw(1, 9, errorRate(0.01)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 30, errorRate(0.01)),
				Latency:   draw(4, 9, latency(1)),
			},
			class: ClassNoData, score: 0, metricClasses: []string{ClassNoData, ClassNoData},
		},
		{
			name:  "no_samples_at_all_is_nodata",
			cfg:   routerMetrics,
			class: ClassNoData, score: 0, metricClasses: []string{ClassNoData, ClassNoData},
		},
		{
			// The default error rate is critical: latency alone never passes.
			name: "too_few_error_rate_samples_is_nodata_although_latency_passes",
			cfg:  routerMetrics,
			baseline: map[string][]float64{
				ErrorRate: draw(1, 21, errorRate(0.01)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 9, errorRate(0.01)),
				Latency:   draw(4, 500, latency(1)),
			},
			class: ClassNoData, score: 100, metricClasses: []string{ClassNoData, ClassPass},
		},
		{
			name: "non_critical_metric_without_data_is_left_out_of_the_score",
			cfg:  Config{Metrics: []Metric{{Name: ErrorRate, AbsTolerance: 0.001, Critical: false}, {Name: Latency}}},
			baseline: map[string][]float64{
				ErrorRate: draw(1, 21, errorRate(0.01)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 9, errorRate(0.01)),
				Latency:   draw(4, 500, latency(1)),
			},
			class: ClassPass, score: 100, metricClasses: []string{ClassNoData, ClassPass},
		},
		{
			// Too few error-rate samples must not turn a clear latency
			// failure into a wait for more traffic.
			name: "critical_metric_without_data_keeps_a_failing_score_a_fail",
			cfg:  routerMetrics,
			baseline: map[string][]float64{
				ErrorRate: draw(1, 21, errorRate(0.01)),
				Latency:   draw(2, 200, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 9, errorRate(0.01)),
				Latency:   draw(4, 200, latency(1.5)),
			},
			class: ClassFail, score: 0, metricClasses: []string{ClassNoData, ClassHigh},
		},
		{
			// The score, 100*20/21, passes; the critical error rate fails it.
			name: "critical_metric_high_fails_although_the_score_passes",
			cfg:  Config{Metrics: []Metric{{Name: ErrorRate, Weight: 1, Critical: true}, {Name: Latency, Weight: 20}}},
			baseline: map[string][]float64{
				ErrorRate: draw(1, 30, errorRate(0.01)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 30, errorRate(0.3)),
				Latency:   draw(4, 500, latency(1)),
			},
			class: ClassFail, score: 100 * 20.0 / 21, metricClasses: []string{ClassHigh, ClassPass},
		},
		{
			name: "non_critical_metric_high_passes_on_the_score",
			cfg:  Config{Metrics: []Metric{{Name: ErrorRate, Weight: 1}, {Name: Latency, Weight: 20}}},
			baseline: map[string][]float64{
				ErrorRate: draw(1, 30, errorRate(0.01)),
				Latency:   draw(2, 500, latency(1)),
			},
			canary: map[string][]float64{
				ErrorRate: draw(3, 30, errorRate(0.3)),
				Latency:   draw(4, 500, latency(1)),
			},
			class: ClassPass, score: 100 * 20.0 / 21, metricClasses: []string{ClassHigh, ClassPass},
		},
		{
			name:     "critical_decrease_metric_higher_is_not_harmful",
			cfg:      Config{Metrics: []Metric{{Name: "throughput", Direction: Decrease, Critical: true}}},
			baseline: map[string][]float64{"throughput": draw(5, 60, latency(1000))},
			canary:   map[string][]float64{"throughput": draw(6, 60, latency(2000))},
			class:    ClassPass, score: 100, metricClasses: []string{ClassHigh},
		},
		{
			name:     "decrease_metric_fails_when_canary_is_lower",
			cfg:      Config{Metrics: []Metric{{Name: "throughput", Direction: Decrease}}},
			baseline: map[string][]float64{"throughput": draw(5, 60, latency(1000))},
			canary:   map[string][]float64{"throughput": draw(6, 60, latency(500))},
			class:    ClassFail, score: 0, metricClasses: []string{ClassLow},
		},
		{
			name:     "decrease_metric_passes_when_canary_is_higher",
			cfg:      Config{Metrics: []Metric{{Name: "throughput", Direction: Decrease}}},
			baseline: map[string][]float64{"throughput": draw(5, 60, latency(1000))},
			canary:   map[string][]float64{"throughput": draw(6, 60, latency(2000))},
			class:    ClassPass, score: 100, metricClasses: []string{ClassHigh},
		},
		{
			name:     "increase_metric_passes_when_canary_is_lower",
			cfg:      Config{Metrics: []Metric{{Name: Latency}}},
			baseline: map[string][]float64{Latency: draw(2, 200, latency(1))},
			canary:   map[string][]float64{Latency: draw(4, 200, latency(0.5))},
			class:    ClassPass, score: 100, metricClasses: []string{ClassLow},
		},
		{
			name:     "either_metric_fails_both_ways",
			cfg:      Config{Metrics: []Metric{{Name: "up", Direction: Either}, {Name: "down", Direction: Either}}},
			baseline: map[string][]float64{"up": draw(7, 50, latency(1)), "down": draw(8, 50, latency(1))},
			canary:   map[string][]float64{"up": draw(9, 50, latency(2)), "down": draw(10, 50, latency(0.5))},
			class:    ClassFail, score: 0, metricClasses: []string{ClassHigh, ClassLow},
		},
		{
			name:     "unknown_direction_is_judged_as_either",
			cfg:      Config{Metrics: []Metric{{Name: "down", Direction: "downwards"}}},
			baseline: map[string][]float64{"down": draw(8, 50, latency(1))},
			canary:   map[string][]float64{"down": draw(10, 50, latency(0.5))},
			class:    ClassFail, score: 0, metricClasses: []string{ClassLow},
		},
		{
			// 0 errors against 0.0005 in every interval: certain, but an
			// absolute shift of 0.0005 is inside AbsTolerance 0.001.
			name:     "zero_baseline_shift_inside_abs_tolerance_passes",
			cfg:      Config{Metrics: []Metric{{Name: ErrorRate, AbsTolerance: 0.001}}},
			baseline: map[string][]float64{ErrorRate: draw(1, 20, constant(0))},
			canary:   map[string][]float64{ErrorRate: draw(1, 20, constant(0.0005))},
			class:    ClassPass, score: 100, metricClasses: []string{ClassPass},
		},
		{
			name:     "zero_baseline_shift_without_abs_tolerance_fails",
			cfg:      Config{Metrics: []Metric{{Name: ErrorRate}}},
			baseline: map[string][]float64{ErrorRate: draw(1, 20, constant(0))},
			canary:   map[string][]float64{ErrorRate: draw(1, 20, constant(0.0005))},
			class:    ClassFail, score: 0, metricClasses: []string{ClassHigh},
		},
		{
			name:     "nan_samples_are_dropped",
			cfg:      Config{Metrics: []Metric{{Name: Latency}}},
			baseline: map[string][]float64{Latency: append(draw(2, 9, latency(1)), nan())},
			canary:   map[string][]float64{Latency: draw(4, 50, latency(1))},
			class:    ClassNoData, score: 0, metricClasses: []string{ClassNoData},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.cfg, tt.baseline, tt.canary)
			if got.Class != tt.class || !near(got.Score, tt.score, 1e-12) {
				t.Errorf("Judge = %s, score %v; want %s, score %v\n%s", got.Class, got.Score, tt.class, tt.score, got.Summary())
			}
			var classes []string
			for _, m := range got.Metrics {
				classes = append(classes, m.Class)
			}
			if !slices.Equal(classes, tt.metricClasses) {
				t.Errorf("metric classes = %v, want %v\n%s", classes, tt.metricClasses, got.Summary())
			}
		})
	}
}

func nan() float64 { return math.NaN() }

// Metric "steady" passes and "worse" fails; the weight of steady moves the
// score from 100*1/2 to 100*4/5 to 100*19/20.
func TestJudgeWeightsMoveTheScore(t *testing.T) {
	baseline := map[string][]float64{"steady": draw(1, 100, latency(1)), "worse": draw(2, 100, latency(1))}
	canary := map[string][]float64{"steady": draw(3, 100, latency(1)), "worse": draw(4, 100, latency(3))}
	tests := []struct {
		name   string
		weight float64
		class  string
		score  float64
	}{
		{"equal_weights_fail", 1, ClassFail, 50},
		{"unset_weight_counts_as_one", 0, ClassFail, 50},
		{"weight_four_is_marginal", 4, ClassMarginal, 80},
		{"weight_nineteen_passes", 19, ClassPass, 95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Metrics: []Metric{{Name: "steady", Weight: tt.weight}, {Name: "worse"}}}
			got := Judge(cfg, baseline, canary)
			if got.Class != tt.class || !near(got.Score, tt.score, 1e-12) {
				t.Errorf("Judge = %s, score %v; want %s, score %v\n%s", got.Class, got.Score, tt.class, tt.score, got.Summary())
			}
		})
	}
}

func TestJudgeThresholds(t *testing.T) {
	baseline := map[string][]float64{"steady": draw(1, 100, latency(1)), "worse": draw(2, 100, latency(1))}
	canary := map[string][]float64{"steady": draw(3, 100, latency(1)), "worse": draw(4, 100, latency(3))}
	metrics := []Metric{{Name: "steady"}, {Name: "worse"}}
	tests := []struct {
		name           string
		marginal, pass float64
		class          string
	}{
		{"default_thresholds_fail_half", 0, 0, ClassFail},
		{"lower_marginal_makes_half_marginal", 50, 0, ClassMarginal},
		{"lower_pass_makes_half_pass", 40, 50, ClassPass},
		{"out_of_range_threshold_takes_default", -3, 250, ClassFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(Config{Marginal: tt.marginal, Pass: tt.pass, Metrics: metrics}, baseline, canary)
			if got.Class != tt.class {
				t.Errorf("class = %s, want %s (score %v)", got.Class, tt.class, got.Score)
			}
		})
	}
}

// The latency case that passes on tolerance must be significant, or it
// would show nothing about the tolerance.
func TestJudgeToleranceNotSignificance(t *testing.T) {
	cfg := Config{Metrics: []Metric{{Name: Latency}}}
	baseline := map[string][]float64{Latency: draw(2, 2000, latency(1))}
	canary := map[string][]float64{Latency: draw(4, 2000, latency(1.05))}
	got := Judge(cfg, baseline, canary).Metrics[0]
	if got.P >= 1-DefaultConfidence {
		t.Errorf("p = %v, want significant at %v", got.P, 1-DefaultConfidence)
	}
	if got.Relative <= 0 || got.Relative > DefaultTolerance {
		t.Errorf("relative shift = %v, want in (0, %v]", got.Relative, DefaultTolerance)
	}
	cfg.Metrics[0].Tolerance = 0.01
	if got := Judge(cfg, baseline, canary).Metrics[0].Class; got != ClassHigh {
		t.Errorf("with 1%% tolerance class = %s, want %s", got, ClassHigh)
	}
}

func TestJudgeReportsMetricsInConfigOrder(t *testing.T) {
	names := []string{"z", "a", "m", "b", "y"}
	baseline, canary := map[string][]float64{}, map[string][]float64{}
	var metrics []Metric
	for i, n := range names {
		metrics = append(metrics, Metric{Name: n})
		baseline[n] = draw(uint64(i), 20, latency(1))
		canary[n] = draw(uint64(i+10), 20, latency(1))
	}
	first := Judge(Config{Metrics: metrics}, baseline, canary)
	for range 20 {
		again := Judge(Config{Metrics: metrics}, baseline, canary)
		if again.Summary() != first.Summary() {
			t.Fatalf("second judgement differs:\n%s\n%s", again.Summary(), first.Summary())
		}
	}
	var got []string
	for _, m := range first.Metrics {
		got = append(got, m.Name)
	}
	if !slices.Equal(got, names) {
		t.Errorf("metrics reported as %v, want %v", got, names)
	}
}

func TestJudgeMetricResultDetails(t *testing.T) {
	cfg := Config{Metrics: []Metric{{Name: "m"}}}
	// Canary = baseline + 2 exactly: every difference's median is 2 and
	// the baseline median is 10.5.
	baseline := map[string][]float64{"m": seq(1, 20)}
	canary := map[string][]float64{"m": seq(3, 22)}
	got := Judge(cfg, baseline, canary).Metrics[0]
	want := MetricResult{
		Name: "m", Class: ClassPass, Effect: 2, Relative: 2 / 10.5,
		BaselineN: 20, CanaryN: 20, BaselineMedian: 10.5, CanaryMedian: 12.5,
	}
	want.P = got.P // a shift of 2 in 20 is not significant; checked below
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got.P < 0.02 || got.P > 1 {
		t.Errorf("P = %v, want an insignificant p-value", got.P)
	}
}

func TestResultSummary(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{
			"fail_names_the_harmful_metric",
			Result{Class: ClassFail, Score: 50, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassHigh, P: 0.0001, BaselineMedian: 0, CanaryMedian: 0.31},
				{Name: Latency, Class: ClassPass, P: 0.4},
			}},
			"fail, score 50: error_rate high (canary 0.31 vs baseline 0, p=0.0001); latency pass",
		},
		{
			"nodata_gives_sample_counts",
			Result{Class: ClassNoData, Metrics: []MetricResult{
				{Name: Latency, Class: ClassNoData, P: 1, BaselineN: 40, CanaryN: 3},
			}},
			"nodata, too few samples to judge: latency nodata (3 canary and 40 baseline samples)",
		},
		{
			"critical_nodata_names_the_metric_without_data",
			Result{Class: ClassNoData, Score: 100, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassNoData, Critical: true, P: 1, BaselineN: 21, CanaryN: 9},
				{Name: Latency, Class: ClassPass, P: 0.4},
			}},
			"nodata, error_rate is critical and has too few samples: error_rate nodata (9 canary and 21 baseline samples); latency pass",
		},
		{
			"critical_nodata_names_every_metric_without_data",
			Result{Class: ClassNoData, Score: 100, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassNoData, Critical: true, P: 1, BaselineN: 21, CanaryN: 9},
				{Name: "saturation", Class: ClassNoData, Critical: true, P: 1, BaselineN: 4, CanaryN: 2},
				{Name: Latency, Class: ClassPass, P: 0.4},
			}},
			"nodata, error_rate and saturation are critical and have too few samples: error_rate nodata (9 canary and 21 baseline samples); saturation nodata (2 canary and 4 baseline samples); latency pass",
		},
		{
			"nothing_judged_reads_as_too_few_samples_although_critical",
			Result{Class: ClassNoData, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassNoData, Critical: true, P: 1, BaselineN: 21, CanaryN: 9},
				{Name: Latency, Class: ClassNoData, P: 1, BaselineN: 40, CanaryN: 3},
			}},
			"nodata, too few samples to judge: error_rate nodata (9 canary and 21 baseline samples); latency nodata (3 canary and 40 baseline samples)",
		},
		{
			"critical_fail_names_the_critical_metric",
			Result{Class: ClassFail, Score: 100 * 20.0 / 21, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassHigh, Critical: true, Harmful: true, P: 0.0001, BaselineMedian: 0, CanaryMedian: 0.31},
				{Name: Latency, Class: ClassPass, P: 0.4},
			}},
			"fail, error_rate is critical and high, score 95.2: error_rate high (canary 0.31 vs baseline 0, p=0.0001); latency pass",
		},
		{
			"critical_fail_names_every_critical_metric_that_failed",
			Result{Class: ClassFail, Score: 0, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassHigh, Critical: true, Harmful: true, P: 0.0001, BaselineMedian: 0, CanaryMedian: 0.31},
				{Name: "rps", Class: ClassLow, Critical: true, Harmful: true, P: 0.003, BaselineMedian: 1200, CanaryMedian: 600},
			}},
			"fail, error_rate and rps are critical and changed for the worse, score 0: error_rate high (canary 0.31 vs baseline 0, p=0.0001); rps low (canary 600 vs baseline 1200, p=0.003)",
		},
		{
			"critical_metric_that_passed_is_not_named",
			Result{Class: ClassFail, Score: 50, Metrics: []MetricResult{
				{Name: ErrorRate, Class: ClassLow, Critical: true, P: 0.0001, BaselineMedian: 0.3, CanaryMedian: 0.01},
				{Name: Latency, Class: ClassHigh, Harmful: true, P: 0.001, BaselineMedian: 0.1, CanaryMedian: 0.2},
			}},
			"fail, score 50: error_rate low (canary 0.01 vs baseline 0.3, p=0.0001); latency high (canary 0.2 vs baseline 0.1, p=0.001)",
		},
		{
			"marginal_with_a_fractional_score",
			Result{Class: ClassMarginal, Score: 80, Metrics: []MetricResult{
				{Name: Latency, Class: ClassLow, P: 1.234e-7, BaselineMedian: 0.1234, CanaryMedian: 0.0618},
				{Name: "rps", Class: ClassHigh, P: 0.003, BaselineMedian: 1200.4, CanaryMedian: 2500.6},
			}},
			"marginal, score 80: latency low (canary 0.0618 vs baseline 0.123, p=1.2e-07); rps high (canary 2501 vs baseline 1200, p=0.003)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Summary(); got != tt.want {
				t.Errorf("Summary() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// Results cross Temporal as JSON, which has no NaN or infinity.
func TestJudgeResultEncodesAsJSON(t *testing.T) {
	baseline := map[string][]float64{"m": {-1e308, -1e308, -1e308, -1e308, -1e308, -1e308, -1e308, -1e308, -1e308, -1e308}}
	canary := map[string][]float64{"m": {1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308}}
	r := Judge(Config{Metrics: []Metric{{Name: "m"}}}, baseline, canary)
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("json.Marshal: %v", err)
	}
	if r.Metrics[0].Class != ClassHigh {
		t.Errorf("class = %s, want %s", r.Metrics[0].Class, ClassHigh)
	}
}

func TestResultSummaryRoundsTheScoreDown(t *testing.T) {
	r := Result{Class: ClassMarginal, Score: 94.99, Metrics: []MetricResult{{Name: "m", Class: ClassPass}}}
	if got, want := r.Summary(), "marginal, score 94.9: m pass"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestJudge_rare_errors_that_rise_significantly_fail(t *testing.T) {
	// Baseline: no errors in 20 intervals. Canary: 5% errors in 8 of 20.
	// Hodges-Lehmann is 0 here (most differences are 0), so the mean
	// difference decides the size of the shift.
	baseline := make([]float64, 20)
	canary := make([]float64, 20)
	for i := range 8 {
		canary[i] = 0.05
	}
	res := Judge(Config{Metrics: []Metric{{Name: ErrorRate, AbsTolerance: 0.001}}}, map[string][]float64{ErrorRate: baseline}, map[string][]float64{ErrorRate: canary})
	if res.Class != ClassFail || res.Metrics[0].Class != ClassHigh {
		t.Errorf("judge = %s (%s), want fail with error_rate high", res.Class, res.Summary())
	}
}

// The canary step of the report: 9 canary and 21 baseline error-rate
// samples, latency fine. It must not pass, and must say why.
func TestJudge_error_rate_without_data_is_nodata_and_says_why(t *testing.T) {
	baseline := map[string][]float64{ErrorRate: draw(1, 21, errorRate(0.01)), Latency: draw(2, 500, latency(1))}
	canary := map[string][]float64{ErrorRate: draw(3, 9, errorRate(0.01)), Latency: draw(4, 500, latency(1))}
	r := Judge(Config{}, baseline, canary)
	want := "nodata, error_rate is critical and has too few samples: error_rate nodata (9 canary and 21 baseline samples); latency pass"
	if r.Class != ClassNoData || r.Summary() != want {
		t.Errorf("Judge = %s: %q\nwant %s: %q", r.Class, r.Summary(), ClassNoData, want)
	}
}
