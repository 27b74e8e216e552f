package window

import (
	"strings"
	"testing"
	"time"
)

func mustNew(t testing.TB, s Spec) *Calendar {
	t.Helper()
	c, err := New(s)
	if err != nil {
		t.Fatalf("New(%+v): %v", s, err)
	}
	return c
}

// The tests use the week of Monday 2026-06-01 (EDT, UTC-4) unless they say
// otherwise: Thursday is June 4, Friday June 5, the next Monday June 8.

func TestNextOpen(t *testing.T) {
	ny := loadZone(t, "America/New_York")
	london := loadZone(t, "Europe/London")
	kolkata := loadZone(t, "Asia/Kolkata")
	tokyo := loadZone(t, "Asia/Tokyo")
	at := func(loc *time.Location, m time.Month, d, h, min int) time.Time {
		return time.Date(2026, m, d, h, min, 0, 0, loc)
	}
	all := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	tests := []struct {
		name string
		spec Spec
		t    time.Time
		want time.Time
	}{
		{"open_midday_returns_t", Spec{}, at(ny, time.June, 2, 12, 0), at(ny, time.June, 2, 12, 0)},
		{"exactly_at_opening_returns_t", Spec{}, at(ny, time.June, 2, 8, 0), at(ny, time.June, 2, 8, 0)},
		{"last_nanosecond_before_closing_returns_t", Spec{}, at(ny, time.June, 2, 16, 0).Add(-time.Nanosecond), at(ny, time.June, 2, 16, 0).Add(-time.Nanosecond)},
		{"one_second_before_opening_waits_a_second", Spec{}, at(ny, time.June, 2, 7, 59).Add(59 * time.Second), at(ny, time.June, 2, 8, 0)},
		{"early_morning_waits_until_opening", Spec{}, at(ny, time.June, 2, 0, 0), at(ny, time.June, 2, 8, 0)},
		{"exactly_at_closing_waits_until_next_morning", Spec{}, at(ny, time.June, 2, 16, 0), at(ny, time.June, 3, 8, 0)},
		{"tuesday_evening_waits_until_wednesday", Spec{}, at(ny, time.June, 2, 23, 59), at(ny, time.June, 3, 8, 0)},
		{"thursday_after_close_waits_until_monday", Spec{}, at(ny, time.June, 4, 16, 1), at(ny, time.June, 8, 8, 0)},
		{"thursday_exactly_at_closing_waits_until_monday", Spec{}, at(ny, time.June, 4, 16, 0), at(ny, time.June, 8, 8, 0)},
		{"friday_waits_until_monday", Spec{}, at(ny, time.June, 5, 10, 0), at(ny, time.June, 8, 8, 0)},
		{"saturday_waits_until_monday", Spec{}, at(ny, time.June, 6, 12, 0), at(ny, time.June, 8, 8, 0)},
		{"sunday_last_minute_waits_until_monday", Spec{}, at(ny, time.June, 7, 23, 59), at(ny, time.June, 8, 8, 0)},
		{"monday_midnight_waits_until_eight", Spec{}, at(ny, time.June, 8, 0, 0), at(ny, time.June, 8, 8, 0)},
		{"monday_opening_is_noon_utc_in_summer", Spec{}, at(ny, time.June, 5, 10, 0), utc(2026, time.June, 8, 12, 0)},

		// The same instants given in UTC or another zone.
		{"utc_input_thursday_after_close", Spec{}, utc(2026, time.June, 4, 20, 1), utc(2026, time.June, 8, 12, 0)},
		{"utc_input_already_friday_in_utc_but_thursday_in_new_york", Spec{}, utc(2026, time.June, 5, 3, 0), utc(2026, time.June, 8, 12, 0)},
		{"utc_input_still_monday_night_in_new_york", Spec{}, utc(2026, time.June, 2, 2, 0), utc(2026, time.June, 2, 12, 0)},
		{"utc_input_open", Spec{}, utc(2026, time.June, 2, 12, 0), utc(2026, time.June, 2, 12, 0)},
		{"tokyo_input_friday_morning_is_thursday_evening_in_new_york", Spec{}, at(tokyo, time.June, 5, 9, 0), utc(2026, time.June, 8, 12, 0)},

		// Holidays and freezes.
		{"holiday_monday_waits_until_tuesday", Spec{Holidays: []string{"2026-06-08"}}, at(ny, time.June, 4, 17, 0), at(ny, time.June, 9, 8, 0)},
		{"holiday_today_waits_until_tomorrow", Spec{Holidays: []string{"2026-06-02"}}, at(ny, time.June, 2, 12, 0), at(ny, time.June, 3, 8, 0)},
		{"holiday_week_waits_until_the_next_monday", Spec{Holidays: []string{"2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11"}}, at(ny, time.June, 5, 12, 0), at(ny, time.June, 15, 8, 0)},
		{"holiday_on_a_weekend_changes_nothing", Spec{Holidays: []string{"2026-06-06"}}, at(ny, time.June, 5, 12, 0), at(ny, time.June, 8, 8, 0)},
		{"freeze_across_a_weekend", Spec{Freezes: []Freeze{{From: "2026-06-04", To: "2026-06-09", Reason: "launch"}}}, at(ny, time.June, 3, 17, 0), at(ny, time.June, 10, 8, 0)},
		{"inside_a_freeze_waits_for_its_end", Spec{Freezes: []Freeze{{From: "2026-06-01", To: "2026-06-02"}}}, at(ny, time.June, 1, 12, 0), at(ny, time.June, 3, 8, 0)},
		{"one_day_freeze", Spec{Freezes: []Freeze{{From: "2026-06-03", To: "2026-06-03"}}}, at(ny, time.June, 2, 16, 0), at(ny, time.June, 4, 8, 0)},
		{"year_end_freeze_spanning_weeks", Spec{Freezes: []Freeze{{From: "2026-12-18", To: "2027-01-03", Reason: "year-end"}}}, time.Date(2026, time.December, 17, 16, 0, 0, 0, ny), utc(2027, time.January, 4, 13, 0)},
		{
			"overlapping_freezes_then_a_holiday",
			Spec{
				Freezes:  []Freeze{{From: "2026-12-20", To: "2026-12-31"}, {From: "2026-12-24", To: "2027-01-01"}},
				Holidays: []string{"2027-01-04"},
			},
			time.Date(2026, time.December, 21, 9, 0, 0, 0, ny), utc(2027, time.January, 5, 13, 0),
		},
		{
			"back_to_back_freezes",
			Spec{Freezes: []Freeze{{From: "2026-06-08", To: "2026-06-10"}, {From: "2026-06-11", To: "2026-06-16"}}},
			at(ny, time.June, 5, 12, 0), at(ny, time.June, 17, 8, 0),
		},
		{
			"freeze_listed_later_that_starts_first",
			Spec{Freezes: []Freeze{{From: "2026-06-10", To: "2026-06-22"}, {From: "2026-06-01", To: "2026-06-09"}}},
			at(ny, time.June, 2, 12, 0), at(ny, time.June, 23, 8, 0),
		},
		{"freeze_lasting_years", Spec{Freezes: []Freeze{{From: "2026-01-01", To: "2030-12-31"}}}, at(ny, time.June, 2, 12, 0), time.Date(2031, time.January, 1, 8, 0, 0, 0, ny)},

		// New York's changes of clock, checked as UTC instants.
		{"spring_forward_thursday_evening_waits_until_monday_edt", Spec{}, time.Date(2026, time.March, 5, 16, 0, 0, 0, ny), utc(2026, time.March, 9, 12, 0)},
		{"spring_forward_friday_in_est_waits_until_monday_edt", Spec{}, utc(2026, time.March, 6, 14, 0), utc(2026, time.March, 9, 12, 0)},
		{"fall_back_thursday_evening_waits_until_monday_est", Spec{}, time.Date(2026, time.October, 29, 17, 0, 0, 0, ny), utc(2026, time.November, 2, 13, 0)},
		{"fall_back_saturday_in_edt_waits_until_monday_est", Spec{}, utc(2026, time.October, 31, 12, 0), utc(2026, time.November, 2, 13, 0)},
		{"opening_on_spring_forward_day", Spec{Days: all}, time.Date(2026, time.March, 8, 0, 0, 0, 0, ny), utc(2026, time.March, 8, 12, 0)},
		{"opening_on_fall_back_day", Spec{Days: all}, time.Date(2026, time.November, 1, 0, 0, 0, 0, ny), utc(2026, time.November, 1, 13, 0)},
		{"opening_in_the_skipped_hour_is_as_far_past_the_jump", Spec{Days: all, Start: "02:30"}, time.Date(2026, time.March, 8, 0, 0, 0, 0, ny), utc(2026, time.March, 8, 7, 30)},
		{"opening_in_the_repeated_hour_is_its_first_occurrence", Spec{Days: all, Start: "01:30"}, time.Date(2026, time.November, 1, 0, 0, 0, 0, ny), utc(2026, time.November, 1, 5, 30)},
		{"day_after_spring_forward_opens_in_edt", Spec{Days: all, Start: "02:30"}, utc(2026, time.March, 8, 20, 0), utc(2026, time.March, 9, 6, 30)},
		{"window_inside_the_skipped_hour_does_not_open_that_day", Spec{Days: all, Start: "02:00", End: "03:00"}, time.Date(2026, time.March, 8, 0, 0, 0, 0, ny), utc(2026, time.March, 9, 6, 0)},
		{"window_overlapping_the_skipped_hour_opens_after_the_jump", Spec{Days: all, Start: "02:00", End: "03:30"}, time.Date(2026, time.March, 8, 0, 0, 0, 0, ny), utc(2026, time.March, 8, 7, 0)},

		// Other zones.
		{"london_friday_waits_until_monday_in_bst", Spec{Start: "09:00", End: "17:00", TimeZone: "Europe/London"}, utc(2026, time.March, 27, 12, 0), utc(2026, time.March, 30, 8, 0)},
		{"london_thursday_in_gmt_waits_until_monday_in_bst", Spec{Start: "09:00", End: "17:00", TimeZone: "Europe/London"}, at(london, time.March, 26, 17, 0), utc(2026, time.March, 30, 8, 0)},
		{"kolkata_friday_evening_waits_until_monday", Spec{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "10:00", End: "18:00", TimeZone: "Asia/Kolkata"}, utc(2026, time.June, 5, 12, 31), utc(2026, time.June, 8, 4, 30)},
		{"kolkata_sunday_in_utc_is_already_monday", Spec{Start: "10:00", End: "18:00", TimeZone: "Asia/Kolkata"}, utc(2026, time.June, 7, 19, 0), utc(2026, time.June, 8, 4, 30)},
		{"kolkata_local_input_open", Spec{Start: "10:00", End: "18:00", TimeZone: "Asia/Kolkata"}, at(kolkata, time.June, 8, 10, 0), utc(2026, time.June, 8, 4, 30)},
		{"utc_zone_weekend", Spec{TimeZone: "UTC", Days: []string{"sat", "sun"}}, utc(2026, time.June, 1, 0, 0), utc(2026, time.June, 6, 8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.spec)
			got := c.NextOpen(tt.t)
			if !got.Equal(tt.want) {
				t.Fatalf("NextOpen(%s) = %s (%s), want %s (%s)", tt.t, got, got.UTC(), tt.want.In(c.Location()), tt.want.UTC())
			}
			if !c.IsOpen(got) {
				t.Errorf("IsOpen(NextOpen(%s)) = false", tt.t)
			}
			if open := got.Equal(tt.t); c.IsOpen(tt.t) != open {
				t.Errorf("IsOpen(%s) = %v, but NextOpen returned t: %v", tt.t, c.IsOpen(tt.t), open)
			}
		})
	}
}

func TestNextOpenReturnsCalendarLocation(t *testing.T) {
	c := mustNew(t, Spec{})
	got := c.NextOpen(utc(2026, time.June, 5, 12, 0))
	if got.Location() != c.Location() {
		t.Errorf("NextOpen returned a time in %s, want %s", got.Location(), c.Location())
	}
}

func TestIsOpenAndWhy(t *testing.T) {
	ny := loadZone(t, "America/New_York")
	at := func(m time.Month, d, h, min int) time.Time {
		return time.Date(2026, m, d, h, min, 0, 0, ny)
	}
	all := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	tests := []struct {
		name string
		spec Spec
		t    time.Time
		why  string // "" when open
	}{
		{"open_midday", Spec{}, at(time.June, 2, 12, 0), ""},
		{"exactly_at_opening_is_open", Spec{}, at(time.June, 2, 8, 0), ""},
		{"exactly_at_closing_is_shut", Spec{}, at(time.June, 2, 16, 0), "after closing 16:00 America/New_York"},
		{"one_nanosecond_before_opening_is_shut", Spec{}, at(time.June, 2, 8, 0).Add(-time.Nanosecond), "before opening 08:00 America/New_York"},
		{"one_nanosecond_before_closing_is_open", Spec{}, at(time.June, 2, 16, 0).Add(-time.Nanosecond), ""},
		{"friday_is_not_a_deploy_day", Spec{}, at(time.June, 5, 12, 0), "Friday is not a deploy day"},
		{"saturday_is_not_a_deploy_day", Spec{}, at(time.June, 6, 12, 0), "Saturday is not a deploy day"},
		{"sunday_is_not_a_deploy_day", Spec{}, at(time.June, 7, 12, 0), "Sunday is not a deploy day"},
		{"holiday", Spec{Holidays: []string{"2026-12-24"}}, time.Date(2026, time.December, 24, 12, 0, 0, 0, ny), "holiday 2026-12-24"},
		{"holiday_outranks_weekday", Spec{Holidays: []string{"2026-12-25"}}, time.Date(2026, time.December, 25, 12, 0, 0, 0, ny), "holiday 2026-12-25"},
		{"freeze_with_reason", Spec{Freezes: []Freeze{{From: "2026-12-18", To: "2026-12-31", Reason: "year-end"}}}, time.Date(2026, time.December, 22, 12, 0, 0, 0, ny), "freeze until 2026-12-31: year-end"},
		{"freeze_without_reason", Spec{Freezes: []Freeze{{From: "2026-06-01", To: "2026-06-03"}}}, at(time.June, 2, 12, 0), "freeze until 2026-06-03"},
		{"freeze_on_its_first_day", Spec{Freezes: []Freeze{{From: "2026-06-02", To: "2026-06-03"}}}, at(time.June, 2, 8, 0), "freeze until 2026-06-03"},
		{"freeze_on_its_last_day", Spec{Freezes: []Freeze{{From: "2026-06-01", To: "2026-06-02"}}}, at(time.June, 2, 15, 59), "freeze until 2026-06-02"},
		{"day_after_freeze_is_open", Spec{Freezes: []Freeze{{From: "2026-06-01", To: "2026-06-02"}}}, at(time.June, 3, 8, 0), ""},
		{"freeze_outranks_holiday", Spec{Holidays: []string{"2026-06-02"}, Freezes: []Freeze{{From: "2026-06-02", To: "2026-06-02", Reason: "audit"}}}, at(time.June, 2, 12, 0), "freeze until 2026-06-02: audit"},
		{"overlapping_freezes_name_the_later_end", Spec{Freezes: []Freeze{{From: "2026-06-01", To: "2026-06-05", Reason: "a"}, {From: "2026-06-02", To: "2026-06-12", Reason: "b"}}}, at(time.June, 3, 12, 0), "freeze until 2026-06-12: b"},
		{"utc_input_shut_in_new_york_evening", Spec{}, utc(2026, time.June, 2, 21, 0), "after closing 16:00 America/New_York"},
		{"utc_input_open_in_new_york", Spec{}, utc(2026, time.June, 2, 12, 0), ""},
		{"utc_input_saturday_in_utc_friday_in_new_york", Spec{}, utc(2026, time.June, 6, 1, 0), "Friday is not a deploy day"},
		{"opening_in_skipped_hour_not_yet_open_after_the_jump", Spec{Days: all, Start: "02:30"}, utc(2026, time.March, 8, 7, 10), "before opening 02:30 America/New_York"},
		{"opening_in_skipped_hour_open_as_far_past_the_jump", Spec{Days: all, Start: "02:30"}, utc(2026, time.March, 8, 7, 30), ""},
		{"closing_in_repeated_hour_first_pass_open", Spec{Days: all, Start: "00:30", End: "01:30"}, utc(2026, time.November, 1, 5, 29), ""},
		{"closing_in_repeated_hour_shut_on_second_pass", Spec{Days: all, Start: "00:30", End: "01:30"}, utc(2026, time.November, 1, 6, 10), "after closing 01:30 America/New_York"},
		{"fall_back_day_opens_at_eight_est", Spec{Days: all}, utc(2026, time.November, 1, 13, 0), ""},
		{"fall_back_day_shut_at_eight_edt_instant", Spec{Days: all}, utc(2026, time.November, 1, 12, 0), "before opening 08:00 America/New_York"},
		{"kolkata_open", Spec{TimeZone: "Asia/Kolkata"}, utc(2026, time.June, 2, 2, 30), ""},
		{"kolkata_shut_before_half_hour_offset_opening", Spec{TimeZone: "Asia/Kolkata"}, utc(2026, time.June, 2, 2, 29), "before opening 08:00 Asia/Kolkata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.spec)
			if got, want := c.IsOpen(tt.t), tt.why == ""; got != want {
				t.Errorf("IsOpen(%s) = %v, want %v", tt.t.In(c.Location()), got, want)
			}
			if got := c.Why(tt.t); got != tt.why {
				t.Errorf("Why(%s) = %q, want %q", tt.t.In(c.Location()), got, tt.why)
			}
		})
	}
}

func TestClosesAt(t *testing.T) {
	ny := loadZone(t, "America/New_York")
	all := []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	tests := []struct {
		name string
		spec Spec
		t    time.Time
		want time.Time // zero when shut
	}{
		{"open_closes_at_four", Spec{}, time.Date(2026, time.June, 2, 12, 0, 0, 0, ny), utc(2026, time.June, 2, 20, 0)},
		{"at_opening_closes_at_four", Spec{}, time.Date(2026, time.June, 2, 8, 0, 0, 0, ny), utc(2026, time.June, 2, 20, 0)},
		{"shut_after_closing_is_zero", Spec{}, time.Date(2026, time.June, 2, 16, 0, 0, 0, ny), time.Time{}},
		{"shut_on_friday_is_zero", Spec{}, time.Date(2026, time.June, 5, 12, 0, 0, 0, ny), time.Time{}},
		{"spring_forward_day_closes_in_edt", Spec{Days: all}, utc(2026, time.March, 8, 12, 0), utc(2026, time.March, 8, 20, 0)},
		{"fall_back_day_closes_in_est", Spec{Days: all}, utc(2026, time.November, 1, 13, 0), utc(2026, time.November, 1, 21, 0)},
		{"closing_in_skipped_hour_is_as_far_past_the_jump", Spec{Days: all, Start: "01:00", End: "02:30"}, utc(2026, time.March, 8, 6, 30), utc(2026, time.March, 8, 7, 30)},
		{"closing_in_repeated_hour_is_its_first_occurrence", Spec{Days: all, Start: "00:30", End: "01:30"}, utc(2026, time.November, 1, 5, 0), utc(2026, time.November, 1, 5, 30)},
		{"utc_input", Spec{TimeZone: "Asia/Kolkata"}, utc(2026, time.June, 2, 3, 0), utc(2026, time.June, 2, 10, 30)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustNew(t, tt.spec)
			got := c.ClosesAt(tt.t)
			if !got.Equal(tt.want) {
				t.Fatalf("ClosesAt(%s) = %s, want %s", tt.t, got.UTC(), tt.want.UTC())
			}
			if got.IsZero() {
				return
			}
			if c.IsOpen(got) {
				t.Errorf("IsOpen(ClosesAt(%s)) = true, want the closing instant shut", tt.t)
			}
			if !c.IsOpen(got.Add(-time.Nanosecond)) {
				t.Errorf("IsOpen(ClosesAt(%s) - 1ns) = false, want open until closing", tt.t)
			}
		})
	}
}

func TestOpenFor(t *testing.T) {
	c, err := New(Spec{})
	if err != nil {
		t.Fatal(err)
	}
	ny := c.Location()
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	for _, tc := range []struct {
		name string
		from time.Time
		need time.Duration
		want time.Time
	}{
		{"thursday_morning_fits_at_once", at(2026, 12, 3, 9, 0), time.Hour, at(2026, 12, 3, 9, 0)},
		{"thursday_canary_that_would_cross_16_00_waits_until_monday", at(2026, 12, 3, 15, 30), time.Hour, at(2026, 12, 7, 8, 0)},
		{"exactly_until_closing_fits", at(2026, 12, 3, 15, 0), time.Hour, at(2026, 12, 3, 15, 0)},
		{"friday_waits_until_monday", at(2026, 12, 4, 10, 0), 10 * time.Minute, at(2026, 12, 7, 8, 0)},
		{"longer_than_any_opening_never", at(2026, 12, 3, 9, 0), 9 * time.Hour, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.OpenFor(tc.from, tc.need)
			if !got.Equal(tc.want) {
				t.Errorf("OpenFor(%s, %s) = %s, want %s", tc.from, tc.need, got, tc.want)
			}
		})
	}
}

func TestSpecText(t *testing.T) {
	var s Spec
	if err := s.SetWord("always"); err != nil || !s.Always {
		t.Fatalf("always: %+v, %v", s, err)
	}
	if err := s.SetWord("never"); err == nil || !strings.Contains(err.Error(), `"never" is not a window`) {
		t.Fatalf("never: %v", err)
	}
	if got, want := (Spec{}).String(), "mon, tue, wed, thu 08:00-16:00 America/New_York"; got != want {
		t.Errorf("default window reads %q, want %q", got, want)
	}
}
