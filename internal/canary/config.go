package canary

import (
	"fmt"
	"math"
)

// Defaults for the fields a Config or a Metric leaves zero. They follow
// Kayenta's: 98% confidence, a score of 95 passes and 75 is marginal.
const (
	DefaultConfidence = 0.98
	DefaultMarginal   = 75.0
	DefaultPass       = 95.0
	DefaultMinSamples = 10
	DefaultWeight     = 1.0
	DefaultTolerance  = 0.1
)

// Directions of change that harm a metric.
const (
	Increase = "increase" // harmful when the canary is higher, like latency or errors
	Decrease = "decrease" // harmful when the canary is lower, like throughput
	Either   = "either"   // harmful both ways
)

// Config says how to judge a canary. Its zero value judges DefaultMetrics
// with the defaults above.
type Config struct {
	Confidence float64  // confidence of each test: a metric changed when p < 1-Confidence (default 0.98)
	Marginal   float64  // lowest score that is marginal rather than fail (default 75)
	Pass       float64  // lowest score that passes (default 95)
	MinSamples int      // fewest samples on each side for a metric to be judged (default 10)
	Metrics    []Metric // the metrics judged, in this order (default DefaultMetrics())
}

// Metric says how to judge one metric.
type Metric struct {
	Name      string  // key of the samples in the baseline and canary maps
	Direction string  // the harmful change: Increase (default), Decrease or Either
	Weight    float64 // share of the score (default 1)

	// Critical makes the metric decide alone, as Kayenta's critical
	// metrics do: harmful, it fails the canary whatever the score; with
	// too few samples, the canary cannot pass (see Judge).
	Critical bool

	// A shift of the canary from the baseline counts as a change only when
	// it is beyond both tolerances: Tolerance relative to the baseline's
	// median (default 0.1, ten percent; zero means the default) and
	// AbsTolerance in the metric's own unit (default 0). The absolute one
	// matters when the baseline median is zero, as an error rate with no
	// errors is: there any shift is a huge relative change, and only
	// AbsTolerance can accept it.
	Tolerance    float64
	AbsTolerance float64
}

// Names of the metrics Samples derives from the router's request records.
const (
	Latency   = "latency"    // seconds per request
	ErrorRate = "error_rate" // fraction of requests failing, per interval
)

// DefaultMetrics returns the metrics judged when a Config names none: the
// router's error rate, where a shift of up to a tenth of a percentage point
// is accepted, and latency; both harmful when they increase. The error
// rate is critical: a canary is never passed on its latency alone.
func DefaultMetrics() []Metric {
	return []Metric{
		{Name: ErrorRate, Direction: Increase, AbsTolerance: 0.001, Critical: true},
		{Name: Latency, Direction: Increase},
	}
}

// Validate reports the first field of c that Judge cannot use as given.
// Judge itself never fails: it treats such a field as unset.
func (c Config) Validate() error {
	switch {
	case !validConfidence(c.Confidence) && c.Confidence != 0:
		return fmt.Errorf("confidence: %v is not between 0 and 1; use e.g. 0.98", c.Confidence)
	case !validScore(c.Marginal):
		return fmt.Errorf("marginal: %v is not a score from 0 to 100", c.Marginal)
	case !validScore(c.Pass):
		return fmt.Errorf("pass: %v is not a score from 0 to 100", c.Pass)
	case c.MinSamples < 0:
		return fmt.Errorf("min_samples: %d is negative", c.MinSamples)
	}
	eff := c.effective()
	if eff.Marginal > eff.Pass {
		return fmt.Errorf("marginal: %v is above pass %v; a marginal score must be lower", eff.Marginal, eff.Pass)
	}
	seen := make(map[string]bool)
	for i, m := range c.Metrics {
		at := fmt.Sprintf("metrics[%d]", i)
		switch {
		case m.Name == "":
			return fmt.Errorf("%s.name: empty; name the samples to judge, e.g. %q", at, Latency)
		case seen[m.Name]:
			return fmt.Errorf("%s.name: %q is judged twice", at, m.Name)
		case !validDirection(m.Direction) && m.Direction != "":
			return fmt.Errorf("%s.direction: %q is not one of %s, %s, %s", at, m.Direction, Increase, Decrease, Either)
		case !validNonNegative(m.Weight):
			return fmt.Errorf("%s.weight: %v is not a finite number >= 0", at, m.Weight)
		case !validNonNegative(m.Tolerance):
			return fmt.Errorf("%s.tolerance: %v is not a finite number >= 0", at, m.Tolerance)
		case !validNonNegative(m.AbsTolerance):
			return fmt.Errorf("%s.abs_tolerance: %v is not a finite number >= 0", at, m.AbsTolerance)
		}
		seen[m.Name] = true
	}
	return nil
}

// effective returns c with every zero or unusable field set to its default.
// An unknown direction becomes Either, the strictest.
func (c Config) effective() Config {
	if !validConfidence(c.Confidence) {
		c.Confidence = DefaultConfidence
	}
	if !validScore(c.Marginal) || c.Marginal == 0 {
		c.Marginal = DefaultMarginal
	}
	if !validScore(c.Pass) || c.Pass == 0 {
		c.Pass = DefaultPass
	}
	if c.MinSamples <= 0 {
		c.MinSamples = DefaultMinSamples
	}
	metrics := c.Metrics
	if len(metrics) == 0 {
		metrics = DefaultMetrics()
	}
	c.Metrics = make([]Metric, len(metrics))
	for i, m := range metrics {
		switch {
		case m.Direction == "":
			m.Direction = Increase
		case !validDirection(m.Direction):
			m.Direction = Either
		}
		if !validNonNegative(m.Weight) || m.Weight == 0 {
			m.Weight = DefaultWeight
		}
		if !validNonNegative(m.Tolerance) || m.Tolerance == 0 {
			m.Tolerance = DefaultTolerance
		}
		if !validNonNegative(m.AbsTolerance) {
			m.AbsTolerance = 0
		}
		c.Metrics[i] = m
	}
	return c
}

func validConfidence(c float64) bool { return c > 0 && c < 1 }

func validScore(s float64) bool { return s >= 0 && s <= 100 }

func validNonNegative(f float64) bool { return f >= 0 && !math.IsInf(f, 1) }

func validDirection(d string) bool { return d == Increase || d == Decrease || d == Either }
