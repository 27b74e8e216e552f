package canary

import (
	"math"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	ok := []Metric{{Name: Latency}}
	tests := []struct {
		name string
		cfg  Config
		want string // "" when valid
	}{
		{"zero_config_is_valid", Config{}, ""},
		{"full_config_is_valid", Config{Confidence: 0.95, Marginal: 60, Pass: 90, MinSamples: 20, Metrics: []Metric{
			{Name: ErrorRate, Direction: Increase, Weight: 2, Tolerance: 0.2, AbsTolerance: 0.01},
			{Name: "rps", Direction: Decrease},
			{Name: "size", Direction: Either},
		}}, ""},
		{"confidence_of_one", Config{Confidence: 1, Metrics: ok}, "confidence: 1 is not between 0 and 1"},
		{"confidence_as_percent", Config{Confidence: 98, Metrics: ok}, "confidence: 98 is not between 0 and 1; use e.g. 0.98"},
		{"negative_marginal", Config{Marginal: -1}, "marginal: -1 is not a score from 0 to 100"},
		{"nan_pass", Config{Pass: math.NaN()}, "pass: NaN is not a score from 0 to 100"},
		{"marginal_above_pass", Config{Marginal: 80, Pass: 70}, "marginal: 80 is above pass 70"},
		{"marginal_above_default_pass", Config{Marginal: 96}, "marginal: 96 is above pass 95"},
		{"negative_min_samples", Config{MinSamples: -1}, "min_samples: -1 is negative"},
		{"unnamed_metric", Config{Metrics: []Metric{{Name: Latency}, {}}}, "metrics[1].name: empty"},
		{"metric_twice", Config{Metrics: []Metric{{Name: Latency}, {Name: Latency}}}, `metrics[1].name: "latency" is judged twice`},
		{"unknown_direction", Config{Metrics: []Metric{{Name: Latency, Direction: "up"}}}, `metrics[0].direction: "up" is not one of increase, decrease, either`},
		{"negative_weight", Config{Metrics: []Metric{{Name: Latency, Weight: -2}}}, "metrics[0].weight: -2 is not a finite number >= 0"},
		{"infinite_tolerance", Config{Metrics: []Metric{{Name: Latency, Tolerance: math.Inf(1)}}}, "metrics[0].tolerance: +Inf"},
		{"negative_abs_tolerance", Config{Metrics: []Metric{{Name: Latency, AbsTolerance: -0.1}}}, "metrics[0].abs_tolerance: -0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	got := Config{}.effective()
	if got.Confidence != 0.98 || got.Marginal != 75 || got.Pass != 95 || got.MinSamples != 10 {
		t.Errorf("defaults = %+v", got)
	}
	if len(got.Metrics) != 2 || got.Metrics[0].Name != ErrorRate || got.Metrics[1].Name != Latency {
		t.Fatalf("default metrics = %+v, want error_rate then latency", got.Metrics)
	}
	m := got.Metrics[1]
	if m.Direction != Increase || m.Weight != 1 || m.Tolerance != 0.1 || m.AbsTolerance != 0 || m.Critical {
		t.Errorf("latency defaults = %+v, want not critical", m)
	}
	if e := got.Metrics[0]; !e.Critical {
		t.Errorf("error_rate defaults = %+v, want critical", e)
	}
}

func TestEffectiveDoesNotModifyTheCallersMetrics(t *testing.T) {
	metrics := []Metric{{Name: Latency}}
	Config{Metrics: metrics}.effective()
	if metrics[0] != (Metric{Name: Latency}) {
		t.Errorf("caller's metric became %+v", metrics[0])
	}
}
