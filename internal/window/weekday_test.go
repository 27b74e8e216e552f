package window

import (
	"errors"
	"testing"
	"time"
)

func TestParseWeekday(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Weekday
	}{
		{"short_monday", "mon", time.Monday},
		{"short_sunday", "sun", time.Sunday},
		{"short_saturday", "sat", time.Saturday},
		{"capitalised", "Thu", time.Thursday},
		{"upper_case", "WED", time.Wednesday},
		{"full_name", "friday", time.Friday},
		{"full_name_capitalised", "Tuesday", time.Tuesday},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWeekday(tt.in)
			if err != nil {
				t.Fatalf("ParseWeekday(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseWeekday(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseWeekdayRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"two_words", "fri day"},
		{"two_letters", "mo"},
		{"four_letters", "tues"},
		{"other_language", "montag"},
		{"number", "1"},
		{"leading_space", " mon"},
		{"plural", "mondays"},
		{"unicode_fold_of_s", "ſun"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseWeekday(tt.in)
			if err == nil {
				t.Fatalf("ParseWeekday(%q) = %v, want an error", tt.in, d)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "" || fe.Value != tt.in {
				t.Fatalf("ParseWeekday(%q) error = %#v, want a *FieldError with Value %q and no Field", tt.in, err, tt.in)
			}
			if want := `"` + tt.in + `" is not a weekday (want mon..sun)`; err.Error() != want {
				t.Errorf("ParseWeekday(%q) error\n got: %s\nwant: %s", tt.in, err, want)
			}
		})
	}
}
