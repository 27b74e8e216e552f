package window

import (
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Date
	}{
		{"christmas", "2026-12-25", Date{2026, time.December, 25}},
		{"leap_day", "2028-02-29", Date{2028, time.February, 29}},
		{"leap_day_of_a_400_year", "2000-02-29", Date{2000, time.February, 29}},
		{"first_day_of_the_year", "2027-01-01", Date{2027, time.January, 1}},
		{"last_day_of_a_31_day_month", "2026-10-31", Date{2026, time.October, 31}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("ParseDate(%q).String() = %q", tt.in, got.String())
			}
		})
	}
}

func TestParseDateRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"month_13", "2026-13-01"},
		{"month_zero", "2026-00-10"},
		{"day_zero", "2026-01-00"},
		{"day_32", "2026-01-32"},
		{"february_30", "2026-02-30"},
		{"leap_day_of_a_common_year", "2026-02-29"},
		{"leap_day_of_a_century", "2100-02-29"},
		{"april_31", "2026-04-31"},
		{"single_digit_month", "2026-1-01"},
		{"two_digit_year", "26-01-01"},
		{"slashes", "2026/01/01"},
		{"with_time", "2026-01-01T00:00"},
		{"signed_year", "+026-01-01"},
		{"day_month_year", "25-12-2026"},
		{"trailing_space", "2026-12-25 "},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDate(tt.in)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want an error", tt.in, d)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "" || fe.Value != tt.in {
				t.Fatalf("ParseDate(%q) error = %#v, want a *FieldError with Value %q and no Field", tt.in, err, tt.in)
			}
			if want := `"` + tt.in + `" is not a date (want YYYY-MM-DD)`; err.Error() != want {
				t.Errorf("ParseDate(%q) error\n got: %s\nwant: %s", tt.in, err, want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		name    string
		d       Date
		add     int
		want    Date
		weekday time.Weekday
	}{
		{"next_day", Date{2026, time.June, 4}, 1, Date{2026, time.June, 5}, time.Thursday},
		{"across_a_month", Date{2026, time.January, 31}, 1, Date{2026, time.February, 1}, time.Saturday},
		{"across_a_year", Date{2026, time.December, 31}, 1, Date{2027, time.January, 1}, time.Thursday},
		{"into_a_leap_day", Date{2028, time.February, 28}, 1, Date{2028, time.February, 29}, time.Monday},
		{"backwards_across_a_year", Date{2027, time.January, 1}, -1, Date{2026, time.December, 31}, time.Friday},
		{"a_week_later", Date{2026, time.March, 2}, 7, Date{2026, time.March, 9}, time.Monday},
		{"zero_days_is_the_same_day", Date{2026, time.March, 8}, 0, Date{2026, time.March, 8}, time.Sunday},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.AddDays(tt.add)
			if got != tt.want {
				t.Errorf("%v.AddDays(%d) = %v, want %v", tt.d, tt.add, got, tt.want)
			}
			if wd := tt.d.Weekday(); wd != tt.weekday {
				t.Errorf("%v.Weekday() = %v, want %v", tt.d, wd, tt.weekday)
			}
			want := 0
			switch {
			case tt.add > 0:
				want = 1
			case tt.add < 0:
				want = -1
			}
			if c := got.Compare(tt.d); c != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", got, tt.d, c, want)
			}
		})
	}
}
