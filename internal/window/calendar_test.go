package window

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		field string
		want  string
	}{
		{
			"weekday_with_a_space", Spec{Days: []string{"mon", "tue", "fri day"}},
			"days[2]", `days[2]: "fri day" is not a weekday (want mon..sun)`,
		},
		{
			"empty_weekday", Spec{Days: []string{""}},
			"days[0]", `days[0]: "" is not a weekday (want mon..sun)`,
		},
		{
			"start_past_midnight", Spec{Start: "25:00"},
			"start", `start: "25:00" is not a time of day (want HH:MM, 00:00 to 23:59)`,
		},
		{
			"start_without_leading_zero", Spec{Start: "8:00"},
			"start", `start: "8:00" is not a time of day (want HH:MM, 00:00 to 23:59)`,
		},
		{
			"end_at_24_00", Spec{End: "24:00"},
			"end", `end: "24:00" is not a time of day (want HH:MM, 00:00 to 23:59)`,
		},
		{
			"end_equal_to_start", Spec{Start: "08:00", End: "08:00"},
			"end", `end: "08:00" must be after start "08:00"`,
		},
		{
			"end_before_default_start", Spec{End: "07:00"},
			"end", `end: "07:00" must be after start "08:00"`,
		},
		{
			"overnight_window", Spec{Start: "22:00", End: "02:00"},
			"end", `end: "02:00" must be after start "22:00"`,
		},
		{
			"unknown_zone", Spec{TimeZone: "Mars/Base"},
			"timezone", `timezone: "Mars/Base" is not a known time zone`,
		},
		{
			"zone_path_escape", Spec{TimeZone: "../etc/passwd"},
			"timezone", `timezone: "../etc/passwd" is not a known time zone`,
		},
		{
			"machine_local_zone", Spec{TimeZone: "Local"},
			"timezone", `timezone: "Local" depends on the machine (name a zone such as "America/New_York")`,
		},
		{
			"holiday_month_13", Spec{Holidays: []string{"2026-13-01"}},
			"holidays[0]", `holidays[0]: "2026-13-01" is not a date (want YYYY-MM-DD)`,
		},
		{
			"second_holiday_not_in_february", Spec{Holidays: []string{"2026-12-25", "2026-02-30"}},
			"holidays[1]", `holidays[1]: "2026-02-30" is not a date (want YYYY-MM-DD)`,
		},
		{
			"freeze_from_not_a_date", Spec{Freezes: []Freeze{{From: "Dec 20", To: "2026-12-31"}}},
			"freezes[0].from", `freezes[0].from: "Dec 20" is not a date (want YYYY-MM-DD)`,
		},
		{
			"freeze_to_missing", Spec{Freezes: []Freeze{{From: "2026-12-20"}}},
			"freezes[0].to", `freezes[0].to: "" is not a date (want YYYY-MM-DD)`,
		},
		{
			"freeze_ending_before_it_starts",
			Spec{Freezes: []Freeze{
				{From: "2026-12-20", To: "2026-12-31"},
				{From: "2026-02-01", To: "2026-01-01"},
			}},
			"freezes[1].to", `freezes[1].to: "2026-01-01" is before from "2026-02-01"`,
		},
		{
			"first_bad_field_is_reported", Spec{Days: []string{"mon", "x"}, Start: "99:99", TimeZone: "Nowhere"},
			"days[1]", `days[1]: "x" is not a weekday (want mon..sun)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.spec)
			if err == nil {
				t.Fatalf("New(%+v) = %v, want an error", tt.spec, c)
			}
			if err.Error() != tt.want {
				t.Errorf("New error\n got: %s\nwant: %s", err, tt.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("New error %T is not a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("FieldError.Field = %q, want %q", fe.Field, tt.field)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		zone string
	}{
		{"empty_spec_takes_defaults", Spec{}, "America/New_York"},
		{"full_day_names_in_any_case", Spec{Days: []string{"Monday", "FRI"}}, "America/New_York"},
		{"repeated_day", Spec{Days: []string{"mon", "mon"}}, "America/New_York"},
		{"one_minute_window", Spec{Start: "23:58", End: "23:59"}, "America/New_York"},
		{"utc", Spec{TimeZone: "UTC"}, "UTC"},
		{"half_hour_zone", Spec{TimeZone: "Asia/Kolkata"}, "Asia/Kolkata"},
		{"one_day_freeze", Spec{Freezes: []Freeze{{From: "2026-12-24", To: "2026-12-24"}}}, "America/New_York"},
		{"repeated_holiday", Spec{Holidays: []string{"2026-12-25", "2026-12-25"}}, "America/New_York"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.spec)
			if err != nil {
				t.Fatalf("New(%+v): %v", tt.spec, err)
			}
			if got := c.Location().String(); got != tt.zone {
				t.Errorf("Location() = %s, want %s", got, tt.zone)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	got := Spec{}.WithDefaults()
	if !slices.Equal(got.Days, []string{"mon", "tue", "wed", "thu"}) ||
		got.Start != "08:00" || got.End != "16:00" || got.TimeZone != "America/New_York" {
		t.Errorf("Spec{}.WithDefaults() = %+v, want mon..thu 08:00-16:00 America/New_York", got)
	}
	got.Days[0] = "sun"
	if again := (Spec{}).WithDefaults(); again.Days[0] != "mon" {
		t.Errorf("changing one spec's default days changed the next: %v", again.Days)
	}
	set := Spec{Days: []string{"fri"}, Start: "09:00", End: "10:00", TimeZone: "UTC"}
	if got := set.WithDefaults(); !slices.Equal(got.Days, set.Days) || got.Start != set.Start || got.End != set.End || got.TimeZone != set.TimeZone {
		t.Errorf("WithDefaults changed set fields: %+v", got)
	}
}

func TestDefaultCalendarIsMondayToThursdayEightToFourInNewYork(t *testing.T) {
	c, err := New(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	ny := c.Location()
	// The week of Monday 2026-06-01.
	for day := 1; day <= 7; day++ {
		open := time.Date(2026, time.June, day, 12, 0, 0, 0, ny)
		want := open.Weekday() >= time.Monday && open.Weekday() <= time.Thursday
		if got := c.IsOpen(open); got != want {
			t.Errorf("IsOpen(%s noon) = %v, want %v", open.Weekday(), got, want)
		}
	}
}
