package canary

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHodgesLehmann(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		// x - y over all pairs: -3 -4 -5 / -2 -3 -4 / -1 -2 -3; sorted
		// -5 -4 -4 -3 -3 -3 -2 -2 -1, the fifth of nine is -3.
		{"complete_separation", []float64{1, 2, 3}, []float64{4, 5, 6}, -3},
		// scipy's example: the 20 differences x_i - y_j (rows x = 19, 22,
		// 16, 29, 24; columns y = 20, 11, 17, 12) are
		// -1 8 2 7 / 2 11 5 10 / -4 5 -1 4 / 9 18 12 17 / 4 13 7 12; sorted
		// -4 -1 -1 2 2 4 4 5 5 7 7 8 9 10 11 12 12 13 17 18,
		// the 10th and 11th are both 7.
		{"scipy_docs_example", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, 7},
		// Differences 1 and 2: an even count takes the mean of the middle two.
		{"even_count_averages_middle_pair", []float64{1, 2}, []float64{0}, 1.5},
		{"shifted_copy_gives_the_shift", []float64{10.5, 12.5, 11.5, 20.5}, []float64{10, 12, 11, 20}, 0.5},
		{"identical_samples_give_zero", []float64{3, 1, 2}, []float64{2, 3, 1}, 0},
		{"negative_zero_is_reported_as_zero", []float64{0}, []float64{0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HodgesLehmann(tt.x, tt.y)
			if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
				t.Errorf("HodgesLehmann = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHodgesLehmannWithoutAnEstimateIsNaN(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
	}{
		{"empty_canary", nil, []float64{1}},
		{"empty_baseline", []float64{1}, nil},
		{"nan", []float64{1, math.NaN()}, []float64{1}},
		{"infinity", []float64{1}, []float64{math.Inf(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HodgesLehmann(tt.x, tt.y); !math.IsNaN(got) {
				t.Errorf("HodgesLehmann = %v, want NaN", got)
			}
		})
	}
}

// The selection must agree exactly with sorting every difference.
func TestHodgesLehmannMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	draws := []struct {
		name string
		draw func() float64
	}{
		{"continuous", func() float64 { return r.NormFloat64()*3 + 1 }},
		{"heavy_ties", func() float64 { return float64(r.IntN(4)) }},
		{"mixed_sign_big", func() float64 { return (r.Float64() - 0.5) * 1e12 }},
	}
	for _, d := range draws {
		t.Run(d.name, func(t *testing.T) {
			for trial := range 200 {
				x := make([]float64, 1+r.IntN(15))
				y := make([]float64, 1+r.IntN(15))
				for i := range x {
					x[i] = d.draw()
				}
				for i := range y {
					y[i] = d.draw()
				}
				if got, want := HodgesLehmann(x, y), bruteHodgesLehmann(x, y); got != want {
					t.Fatalf("trial %d: HodgesLehmann(%v, %v) = %v, want %v", trial, x, y, got, want)
				}
			}
		})
	}
}

func TestHodgesLehmannDoesNotModifyItsInput(t *testing.T) {
	x, y := []float64{3, 1, 2}, []float64{9, 7, 8}
	HodgesLehmann(x, y)
	if !slices.Equal(x, []float64{3, 1, 2}) || !slices.Equal(y, []float64{9, 7, 8}) {
		t.Errorf("inputs changed to %v and %v", x, y)
	}
}

func bruteHodgesLehmann(x, y []float64) float64 {
	var d []float64
	for _, xi := range x {
		for _, yj := range y {
			d = append(d, xi-yj)
		}
	}
	m := median(d)
	if m == 0 {
		m = 0
	}
	return m
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		v    []float64
		want float64
	}{
		{"odd", []float64{3, 1, 2}, 2},
		{"even", []float64{4, 1, 3, 2}, 2.5},
		{"one", []float64{7}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.v); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}
