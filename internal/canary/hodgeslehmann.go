package canary

import (
	"math"
	"slices"
)

// HodgesLehmann returns the Hodges-Lehmann estimate of how far x is shifted
// from y: the median of all pairwise differences x_i - y_j. It is the shift
// estimate that goes with the Mann-Whitney U test. It returns NaN when either
// sample is empty or holds a NaN or infinite value.
//
// It never builds the n1*n2 differences: it selects the middle ones by
// bisecting on the value and counting the differences below it: at most 64
// passes over the sorted samples, and memory for one copy of them.
func HodgesLehmann(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 || slices.ContainsFunc(x, notFinite) || slices.ContainsFunc(y, notFinite) {
		return math.NaN()
	}
	xs, ys := slices.Clone(x), slices.Clone(y)
	slices.Sort(xs)
	slices.Sort(ys)

	n := len(xs) * len(ys)
	m := kthDifference(xs, ys, (n+1)/2)
	if n%2 == 0 {
		m = m/2 + kthDifference(xs, ys, n/2+1)/2
	}
	if m == 0 {
		m = 0 // report -0 as 0
	}
	return m
}

// kthDifference returns the k-th smallest (from 1) of the differences
// x_i - y_j, x and y sorted ascending. The differences are the floating
// point ones, so the answer is exactly one of them.
func kthDifference(x, y []float64, k int) float64 {
	// Search the smallest t with at least k differences <= t, over the
	// float64 values in between the smallest and largest difference, in
	// their total order; at most 64 halvings.
	lo := orderKey(x[0] - y[len(y)-1])
	hi := orderKey(x[len(x)-1] - y[0])
	for lo < hi {
		mid := lo + (hi-lo)/2
		if countAtMost(x, y, fromOrderKey(mid)) >= k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return fromOrderKey(lo)
}

// countAtMost returns how many differences x_i - y_j are <= t. For each x_i
// those are the y_j from some index on, and that index only grows with x_i.
func countAtMost(x, y []float64, t float64) int {
	count, j := 0, 0
	for _, xi := range x {
		for j < len(y) && xi-y[j] > t {
			j++
		}
		count += len(y) - j
	}
	return count
}

// orderKey maps a non-NaN float64 to a uint64 with the same order.
func orderKey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// fromOrderKey inverts orderKey.
func fromOrderKey(k uint64) float64 {
	if k>>63 == 1 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

func notFinite(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

// median returns the median of v, or NaN for an empty v. It does not modify v.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return s[mid-1]/2 + s[mid]/2
}
