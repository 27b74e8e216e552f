package canary

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Alternative is the hypothesis a Mann-Whitney U test weighs against "both
// samples come from the same distribution".
type Alternative int

// The alternatives, named for the canary sample x against the baseline y.
const (
	TwoSided Alternative = iota // x and y differ in either direction
	Greater                     // x tends to be larger than y
	Less                        // x tends to be smaller than y
)

// String returns the alternative's name as scipy spells it.
func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two-sided"
	case Greater:
		return "greater"
	case Less:
		return "less"
	}
	return fmt.Sprintf("Alternative(%d)", int(a))
}

// Test is the outcome of a Mann-Whitney U test.
type Test struct {
	U     float64 // U statistic of x: pairs (x_i, y_j) with x_i > y_j, ties counting one half
	P     float64 // p-value under the chosen alternative
	Exact bool    // P comes from the exact null distribution, not the normal approximation
}

// exactMax is the largest sample size on both sides for which an untied
// test uses the exact distribution, as scipy's method="auto" does.
const exactMax = 8

// MannWhitneyU tests whether x (the canary) and y (the baseline) come from
// the same distribution. It computes what scipy.stats.mannwhitneyu computes:
// the exact p-value when both samples have at most 8 values and no value is
// tied, otherwise the normal approximation with tie correction and a
// continuity correction of one half. Empty samples and NaN or infinite values
// are an error.
func MannWhitneyU(x, y []float64, alt Alternative) (Test, error) {
	if len(x) == 0 || len(y) == 0 {
		return Test{}, errors.New("mann-whitney u: both samples need at least one value")
	}
	if err := finite("x", x); err != nil {
		return Test{}, err
	}
	if err := finite("y", y); err != nil {
		return Test{}, err
	}
	if alt != TwoSided && alt != Greater && alt != Less {
		return Test{}, fmt.Errorf("mann-whitney u: unknown alternative %v", alt)
	}

	n1, n2 := float64(len(x)), float64(len(y))
	r1, tieTerm := rankSum(x, y)
	u1 := r1 - n1*(n1+1)/2
	u2 := n1*n2 - u1

	// scipy's convention: a one-sided test looks at the U of the sample
	// claimed to be larger, a two-sided one at the larger of the two.
	u := u1
	switch alt {
	case Less:
		u = u2
	case TwoSided:
		u = max(u1, u2)
	}

	t := Test{U: u1}
	if len(x) <= exactMax && len(y) <= exactMax && tieTerm == 0 {
		t.Exact = true
		t.P = exactSF(int(u), len(x), len(y))
	} else {
		t.P = normalSF(u, n1, n2, tieTerm)
	}
	if alt == TwoSided {
		t.P *= 2
	}
	t.P = min(max(t.P, 0), 1)
	return t, nil
}

func finite(name string, v []float64) error {
	for i, f := range v {
		if notFinite(f) {
			return fmt.Errorf("mann-whitney u: %s[%d] is %v; every value must be finite", name, i, f)
		}
	}
	return nil
}

// rankSum returns the sum of the ranks of x in x and y pooled, tied values
// sharing the mean of their ranks, and the tie term sum(t^3 - t) over the
// groups of t tied values.
func rankSum(x, y []float64) (r1, tieTerm float64) {
	type obs struct {
		v   float64
		inX bool
	}
	pool := make([]obs, 0, len(x)+len(y))
	for _, v := range x {
		pool = append(pool, obs{v, true})
	}
	for _, v := range y {
		pool = append(pool, obs{v, false})
	}
	slices.SortFunc(pool, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	for i := 0; i < len(pool); {
		j := i + 1
		for j < len(pool) && pool[j].v == pool[i].v {
			j++
		}
		// Positions i..j-1 hold ranks i+1..j; each gets their mean.
		rank := float64(i+1+j) / 2
		for _, o := range pool[i:j] {
			if o.inX {
				r1 += rank
			}
		}
		if t := float64(j - i); t > 1 {
			tieTerm += t*t*t - t
		}
		i = j
	}
	return r1, tieTerm
}

// normalSF is P(U >= u) under the normal approximation: mean n1*n2/2,
// variance n1*n2/12 * ((n+1) - sum(t^3-t)/(n(n-1))), and u lowered by one
// half for continuity.
func normalSF(u, n1, n2, tieTerm float64) float64 {
	n := n1 + n2
	variance := n1 * n2 / 12 * ((n + 1) - tieTerm/(n*(n-1)))
	if variance <= 0 {
		// Every value is tied: no ordering, no evidence (scipy's z is -Inf).
		return 1
	}
	z := (u - n1*n2/2 - 0.5) / math.Sqrt(variance)
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

// exactSF is P(U >= u) when x and y, of sizes n1 and n2, are drawn from the
// same continuous distribution: every one of the C(n1+n2, n1) orderings of
// the pooled sample is equally likely.
func exactSF(u, n1, n2 int) float64 {
	counts := uCounts(n1, n2)
	var above, total float64
	for k, c := range counts {
		total += c
		if k >= u {
			above += c
		}
	}
	return above / total
}

// uCounts returns, for each u in 0..n1*n2, the number of orderings of n1 x
// values and n2 y values in which exactly u pairs have the x value larger.
// It uses the recurrence on the largest pooled value: if it is an x value it
// beats all n2 y values, otherwise it adds nothing,
//
//	c(n1, n2, u) = c(n1-1, n2, u-n2) + c(n1, n2-1, u).
func uCounts(n1, n2 int) []float64 {
	// prev[j] holds the counts for (i-1, j); cur[j] for (i, j).
	prev := make([][]float64, n2+1)
	for j := range prev {
		prev[j] = []float64{1} // no x values: the only U is 0
	}
	for i := 1; i <= n1; i++ {
		cur := make([][]float64, n2+1)
		cur[0] = []float64{1} // no y values: the only U is 0
		for j := 1; j <= n2; j++ {
			c := make([]float64, i*j+1)
			for u, v := range prev[j] {
				c[u+j] += v
			}
			for u, v := range cur[j-1] {
				c[u] += v
			}
			cur[j] = c
		}
		prev = cur
	}
	return prev[n2]
}
