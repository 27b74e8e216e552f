package canary

import (
	"math"
	"strings"
	"testing"
)

// The expected values below come from two places:
//
//   - The example in the documentation of scipy.stats.mannwhitneyu (the
//     ages of males and females from Conover's textbook): x=[19,22,16,29,24],
//     y=[20,11,17,12] gives U=17.0, two-sided exact p=0.1111111111111111 and,
//     with method="asymptotic", p=0.11134688653314041.
//   - Cases derived by hand in the comments beside them. For the exact ones
//     the null distribution is counted; for the asymptotic ones the
//     arithmetic is written out, and the last digits were checked with
//     python3 used as a calculator (math.erfc; scipy is not installed here):
//     sf(z) = 0.5*math.erfc(z/math.sqrt(2)).
func TestMannWhitneyUReferenceValues(t *testing.T) {
	tests := []struct {
		name  string
		x, y  []float64
		alt   Alternative
		u, p  float64
		exact bool
	}{
		// scipy's documented example. Pooled and ranked:
		// 11y 12y 16x 17y 19x 20y 22x 24x 29x, so x has ranks 3,5,7,8,9,
		// R1=32 and U1 = 32 - 5*6/2 = 17; U2 = 5*4 - 17 = 3.
		// Exact null: C(9,4) = 126 equally likely orderings. U <= 3 happens
		// in 1+1+2+3 = 7 of them (partitions of 0,1,2,3 into at most 4 parts),
		// and by symmetry so does U >= 17.
		{"scipy_docs_example_two_sided", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, TwoSided, 17, 0.1111111111111111, true},
		// Greater: P(U >= 17) = 7/126.
		{"scipy_docs_example_greater", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, Greater, 17, 7.0 / 126, true},
		// Less: P(U <= 17) = 1 - P(U >= 18) = 1 - P(U <= 2) = 1 - 4/126.
		{"scipy_docs_example_less", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, Less, 17, 122.0 / 126, true},

		// Complete separation, n1 = n2 = 3: U1 = 0. Of the C(6,3) = 20
		// orderings only one has U = 0 and only one U = 9.
		// Two-sided: 2 * P(U >= max(0, 9)) = 2/20.
		{"complete_separation_two_sided", []float64{1, 2, 3}, []float64{4, 5, 6}, TwoSided, 0, 0.1, true},
		{"complete_separation_less", []float64{1, 2, 3}, []float64{4, 5, 6}, Less, 0, 0.05, true},
		{"complete_separation_greater", []float64{1, 2, 3}, []float64{4, 5, 6}, Greater, 0, 1, true},

		// n1 = n2 = 3, x = [1,2,4] against y = [3,5,6]: only 4 > 3, U1 = 1.
		// The null counts of U = 0..9 are 1,1,2,3,3,3,3,2,1,1 (partitions of
		// u into at most 3 parts of at most 3), total 20.
		// Less: P(U <= 1) = 2/20. Greater: P(U >= 1) = 19/20.
		// Two-sided: 2 * P(U >= 8) = 2 * 2/20.
		{"three_by_three_less", []float64{1, 2, 4}, []float64{3, 5, 6}, Less, 1, 0.1, true},
		{"three_by_three_greater", []float64{1, 2, 4}, []float64{3, 5, 6}, Greater, 1, 0.95, true},
		{"three_by_three_two_sided", []float64{1, 2, 4}, []float64{3, 5, 6}, TwoSided, 1, 0.2, true},

		// One value each: U is 0 or 1 with probability 1/2 each.
		{"one_each_less", []float64{1}, []float64{2}, Less, 0, 0.5, true},
		{"one_each_two_sided_is_capped_at_one", []float64{1}, []float64{2}, TwoSided, 0, 1, true},

		// n1 = n2 = 10, so asymptotic although untied; x all above y: U1 = 100.
		// mean = 10*10/2 = 50; no ties, so sigma = sqrt(10*10/12 * 21)
		// = sqrt(175) = 13.228756555322953.
		// Greater: z = (100 - 50 - 0.5) / 13.228756555322953 = 3.7418482827913495,
		// p = sf(z) = 9.13358955547752e-05. Two-sided doubles it.
		// Less: U2 = 0, z = (0 - 50 - 0.5) / 13.2287... = -3.8174, p = 0.9999325785388228.
		{"ten_each_separated_greater", seq(11, 20), seq(1, 10), Greater, 100, 9.13358955547752e-05, false},
		{"ten_each_separated_two_sided", seq(11, 20), seq(1, 10), TwoSided, 100, 1.826717911095504e-04, false},
		{"ten_each_separated_less", seq(11, 20), seq(1, 10), Less, 100, 0.9999325785388228, false},

		// Ties force the normal approximation. Pooled:
		// 1y 2y 2y 3x 3y 4x 4x 4y 5x 6x; tied ranks are averaged:
		// 1 -> 1; 2,2 -> 2.5; 3,3 -> 4.5; 4,4,4 -> 7; 5 -> 9; 6 -> 10.
		// R1 = 4.5 + 7 + 7 + 9 + 10 = 37.5, U1 = 37.5 - 15 = 22.5, U2 = 2.5.
		// Tie groups of 2, 2 and 3: sum(t^3 - t) = 6 + 6 + 24 = 36.
		// sigma = sqrt(5*5/12 * ((10+1) - 36/(10*9))) = sqrt(25/12 * 10.6)
		// = sqrt(22.083333) = 4.699290726623895; mean = 12.5.
		// Greater: z = (22.5 - 12.5 - 0.5) / 4.699290726623895 = 2.0215816710759396,
		// p = 0.021609793586895448; two-sided 0.043219587173790895.
		// Less: z = (2.5 - 12.5 - 0.5) / 4.6993 = -2.2344, p = 0.9872709512502758.
		{"ties_greater", []float64{3, 4, 4, 5, 6}, []float64{1, 2, 2, 3, 4}, Greater, 22.5, 0.021609793586895448, false},
		{"ties_two_sided", []float64{3, 4, 4, 5, 6}, []float64{1, 2, 2, 3, 4}, TwoSided, 22.5, 0.043219587173790895, false},
		{"ties_less", []float64{3, 4, 4, 5, 6}, []float64{1, 2, 2, 3, 4}, Less, 22.5, 0.9872709512502758, false},

		// Every value tied: the variance is 0 and nothing is ordered; U1 =
		// 3*2/2 = 3 and scipy's z is -Inf, so p = 1.
		{"all_tied", []float64{1, 1, 1}, []float64{1, 1}, Greater, 3, 1, false},
		{"all_tied_two_sided", []float64{7, 7}, []float64{7, 7}, TwoSided, 2, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y, tt.alt)
			if err != nil {
				t.Fatalf("MannWhitneyU: %v", err)
			}
			if got.U != tt.u {
				t.Errorf("U = %v, want %v", got.U, tt.u)
			}
			if !near(got.P, tt.p, 1e-12) {
				t.Errorf("P = %.17g, want %.17g", got.P, tt.p)
			}
			if got.Exact != tt.exact {
				t.Errorf("Exact = %v, want %v", got.Exact, tt.exact)
			}
		})
	}
}

// scipy documents p=0.11134688653314041 for its example with
// method="asymptotic": mean 5*4/2 = 10, sigma = sqrt(5*4/12 * 10) =
// 4.08248290463863, z = (17 - 10 - 0.5) / 4.08248290463863 = 1.5921683328090657,
// two-sided p = 2 * sf(z). MannWhitneyU picks the exact method for these
// sizes, so this checks the approximation directly.
func TestNormalApproximationMatchesScipyDocs(t *testing.T) {
	got := 2 * normalSF(17, 5, 4, 0)
	if !near(got, 0.11134688653314041, 1e-12) {
		t.Errorf("two-sided asymptotic p = %.17g, want 0.11134688653314041", got)
	}
}

func TestMannWhitneyUChoosesMethod(t *testing.T) {
	tests := []struct {
		name  string
		x, y  []float64
		exact bool
	}{
		{"eight_each_untied_is_exact", seq(1, 8), seq(9, 16), true},
		{"nine_against_eight_is_asymptotic", seq(1, 9), seq(10, 17), false},
		{"small_with_a_tie_is_asymptotic", []float64{1, 2, 3}, []float64{3, 4, 5}, false},
		{"tie_within_one_sample_is_asymptotic", []float64{1, 1, 3}, []float64{4, 5, 6}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y, TwoSided)
			if err != nil {
				t.Fatal(err)
			}
			if got.Exact != tt.exact {
				t.Errorf("Exact = %v, want %v", got.Exact, tt.exact)
			}
		})
	}
}

func TestMannWhitneyURejects(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		alt  Alternative
		want string
	}{
		{"empty_canary", nil, []float64{1}, TwoSided, "at least one value"},
		{"empty_baseline", []float64{1}, []float64{}, TwoSided, "at least one value"},
		{"nan", []float64{1, math.NaN()}, []float64{1}, TwoSided, "x[1] is NaN"},
		{"infinity", []float64{1}, []float64{math.Inf(-1)}, Less, "y[0] is -Inf"},
		{"unknown_alternative", []float64{1}, []float64{2}, Alternative(7), "unknown alternative Alternative(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MannWhitneyU(tt.x, tt.y, tt.alt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// The exact distribution is checked against brute force: every way to
// choose which n1 of the n1+n2 pooled positions hold x values, counting the
// (x, y) pairs where x comes later.
func TestExactDistributionMatchesEnumeration(t *testing.T) {
	for n1 := 1; n1 <= exactMax; n1++ {
		for n2 := 1; n2 <= exactMax; n2++ {
			want := make([]float64, n1*n2+1)
			n := n1 + n2
			for mask := 0; mask < 1<<n; mask++ {
				if popcount(mask) != n1 {
					continue
				}
				u, ys := 0, 0
				for pos := range n {
					if mask&(1<<pos) != 0 {
						u += ys // this x beats every y before it
					} else {
						ys++
					}
				}
				want[u]++
			}
			got := uCounts(n1, n2)
			if len(got) != len(want) {
				t.Fatalf("n1=%d n2=%d: %d counts, want %d", n1, n2, len(got), len(want))
			}
			for u := range want {
				if got[u] != want[u] {
					t.Errorf("n1=%d n2=%d: count of U=%d is %v, want %v", n1, n2, u, got[u], want[u])
				}
			}
		}
	}
}

func TestAlternativeString(t *testing.T) {
	for alt, want := range map[Alternative]string{TwoSided: "two-sided", Greater: "greater", Less: "less", 9: "Alternative(9)"} {
		if got := alt.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(alt), got, want)
		}
	}
}

func popcount(m int) int {
	c := 0
	for ; m != 0; m &= m - 1 {
		c++
	}
	return c
}

// seq returns from, from+1, ..., to.
func seq(from, to int) []float64 {
	var s []float64
	for i := from; i <= to; i++ {
		s = append(s, float64(i))
	}
	return s
}

// near reports whether got is within a relative tol of want.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}
