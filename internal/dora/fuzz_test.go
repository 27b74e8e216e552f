package dora

import (
	"strings"
	"testing"
	"time"
)

func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"30d", "12h", "1h30m", "0d", "-1d", "d", "1.5d", "9223372036854775807d", "2562047h", "+7d", "", "-110000d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseWindow(s)
		if err != nil {
			if !strings.Contains(err.Error(), "window") {
				t.Fatalf("ParseWindow(%q): error %q does not name the window", s, err)
			}
			return
		}
		if d <= 0 {
			t.Fatalf("ParseWindow(%q) = %v, want a positive window", s, d)
		}
		if days, ok := strings.CutSuffix(s, "d"); ok && d%(24*time.Hour) != 0 {
			t.Fatalf("ParseWindow(%q) = %v, not a whole number of days (%s)", s, d, days)
		}
	})
}
