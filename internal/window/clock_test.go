package window

import (
	"errors"
	"testing"
)

func TestParseClock(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Clock
	}{
		{"midnight", "00:00", 0},
		{"default_opening", "08:00", 8 * 60},
		{"half_past_four", "16:30", 16*60 + 30},
		{"last_minute_of_the_day", "23:59", 23*60 + 59},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseClock(tt.in)
			if err != nil {
				t.Fatalf("ParseClock(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseClock(%q) = %d, want %d", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("ParseClock(%q).String() = %q", tt.in, got.String())
			}
		})
	}
}

func TestParseClockRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"hour_24", "24:00"},
		{"hour_25", "25:00"},
		{"minute_60", "08:60"},
		{"single_digit_hour", "8:00"},
		{"single_digit_minute", "08:0"},
		{"seconds", "08:00:00"},
		{"no_colon", "0800"},
		{"dash_separator", "08-00"},
		{"dot_separator", "08.00"},
		{"leading_space", " 08:00"},
		{"trailing_space", "08:00 "},
		{"signed", "+8:00"},
		{"negative", "-1:00"},
		{"letters", "ab:cd"},
		{"am_pm", "8:00am"},
		{"non_ascii_digits", "٠٨:٠٠"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseClock(tt.in)
			if err == nil {
				t.Fatalf("ParseClock(%q) = %v, want an error", tt.in, c)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "" || fe.Value != tt.in {
				t.Fatalf("ParseClock(%q) error = %#v, want a *FieldError with Value %q and no Field", tt.in, err, tt.in)
			}
			if want := `"` + tt.in + `" is not a time of day (want HH:MM, 00:00 to 23:59)`; err.Error() != want {
				t.Errorf("ParseClock(%q) error\n got: %s\nwant: %s", tt.in, err, want)
			}
		})
	}
}
