package canary

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"testing"
)

// fuzzValues decodes fuzz bytes into at most 200 samples. With raw, every 8
// bytes are one float64 bit pattern, so NaN, infinities and extremes occur;
// otherwise every byte is a small integer, so ties are common.
func fuzzValues(b []byte, raw bool) []float64 {
	var v []float64
	if raw {
		for ; len(b) >= 8; b = b[8:] {
			v = append(v, math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
	} else {
		for _, c := range b {
			v = append(v, float64(c%32))
		}
	}
	if len(v) > 200 {
		v = v[:200]
	}
	return v
}

func FuzzMannWhitneyU(f *testing.F) {
	f.Add([]byte{19, 22, 16, 29, 24, 20, 11, 17, 12}, uint8(5), uint8(0), false)
	f.Add([]byte{1, 2, 3, 4, 5, 6}, uint8(3), uint8(2), false)
	f.Add([]byte{1, 1, 1, 1, 1}, uint8(2), uint8(1), false)
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz"), uint8(20), uint8(0), false)
	f.Add(make([]byte, 64), uint8(4), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, split, alt uint8, raw bool) {
		v := fuzzValues(data, raw)
		k := min(int(split), len(v))
		x, y := v[:k], v[k:]
		a := Alternative(alt % 4) // 3 is not an alternative

		got, err := MannWhitneyU(x, y, a)
		if err != nil {
			return
		}
		n := float64(len(x) * len(y))
		if !(got.P >= 0 && got.P <= 1) {
			t.Fatalf("P = %v, want within [0, 1]", got.P)
		}
		if !(got.U >= 0 && got.U <= n) {
			t.Fatalf("U = %v, want within [0, %v]", got.U, n)
		}
		swapped, err := MannWhitneyU(y, x, a)
		if err != nil {
			t.Fatalf("swapped samples: %v", err)
		}
		if swapped.U != n-got.U {
			t.Errorf("U(y, x) = %v, want n1*n2 - U(x, y) = %v", swapped.U, n-got.U)
		}
		if a == TwoSided && swapped.P != got.P {
			t.Errorf("two-sided P(y, x) = %v, P(x, y) = %v; want equal", swapped.P, got.P)
		}

		hl := HodgesLehmann(x, y)
		if len(x)*len(y) <= 2500 {
			want := bruteHodgesLehmann(x, y)
			if hl != want && !(math.IsNaN(hl) && math.IsNaN(want)) {
				t.Errorf("HodgesLehmann = %v, brute force %v", hl, want)
			}
		}
	})
}

func FuzzJudge(f *testing.F) {
	f.Add([]byte("aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd"), []byte("aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd"), false,
		0.0, 0.0, 0.0, 0, 0.0, 0.0, 0.0, "")
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), []byte("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), false,
		0.9, 50.0, 90.0, 3, 2.0, 0.05, 0.5, Decrease)
	f.Add(make([]byte, 160), make([]byte, 160), true, 0.98, 75.0, 95.0, 10, 1.0, 0.1, 0.0, Either)
	f.Add([]byte{1}, []byte{2}, false, math.NaN(), math.Inf(1), -1.0, -5, math.Inf(1), math.NaN(), -1.0, "sideways")
	f.Fuzz(func(t *testing.T, base, can []byte, raw bool,
		confidence, marginal, pass float64, minSamples int, weight, tolerance, absTolerance float64, direction string) {
		b, c := fuzzValues(base, raw), fuzzValues(can, raw)
		cfg := Config{
			Confidence: confidence, Marginal: marginal, Pass: pass, MinSamples: minSamples,
			Metrics: []Metric{
				{Name: "a", Direction: direction, Weight: weight, Tolerance: tolerance, AbsTolerance: absTolerance},
				{Name: "b"},
			},
		}
		baseline := map[string][]float64{"a": b[:len(b)/2], "b": b[len(b)/2:]}
		canary := map[string][]float64{"a": c[:len(c)/2], "b": c[len(c)/2:]}

		r := Judge(cfg, baseline, canary)
		if !slices.Contains([]string{ClassPass, ClassMarginal, ClassFail, ClassNoData}, r.Class) {
			t.Fatalf("class %q", r.Class)
		}
		if !(r.Score >= 0 && r.Score <= 100) {
			t.Fatalf("score %v, want within [0, 100]", r.Score)
		}
		if len(r.Metrics) != 2 {
			t.Fatalf("%d metric results, want 2", len(r.Metrics))
		}
		allNoData := true
		for _, m := range r.Metrics {
			if !slices.Contains([]string{ClassPass, ClassHigh, ClassLow, ClassNoData}, m.Class) {
				t.Fatalf("metric %s class %q", m.Name, m.Class)
			}
			if !(m.P >= 0 && m.P <= 1) {
				t.Fatalf("metric %s P = %v", m.Name, m.P)
			}
			allNoData = allNoData && m.Class == ClassNoData
		}
		if allNoData != (r.Class == ClassNoData) {
			t.Fatalf("class %s with metric classes %s and %s", r.Class, r.Metrics[0].Class, r.Metrics[1].Class)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("result does not encode as JSON: %v", err)
		}
		r.Summary()
	})
}
