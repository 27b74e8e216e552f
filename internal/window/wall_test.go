package window

import (
	"testing"
	"time"
)

func loadZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func TestAt(t *testing.T) {
	tests := []struct {
		name string
		zone string
		d    Date
		k    string
		want time.Time // in UTC
	}{
		{"new_york_winter", "America/New_York", Date{2026, time.January, 5}, "08:00", utc(2026, time.January, 5, 13, 0)},
		{"new_york_summer", "America/New_York", Date{2026, time.June, 1}, "08:00", utc(2026, time.June, 1, 12, 0)},
		{"new_york_spring_forward_before_the_jump", "America/New_York", Date{2026, time.March, 8}, "01:59", utc(2026, time.March, 8, 6, 59)},
		{"new_york_spring_forward_skipped_time_moves_past_the_jump", "America/New_York", Date{2026, time.March, 8}, "02:30", utc(2026, time.March, 8, 7, 30)},
		{"new_york_spring_forward_skipped_hour_start", "America/New_York", Date{2026, time.March, 8}, "02:00", utc(2026, time.March, 8, 7, 0)},
		{"new_york_spring_forward_after_the_jump", "America/New_York", Date{2026, time.March, 8}, "03:00", utc(2026, time.March, 8, 7, 0)},
		{"new_york_spring_forward_morning", "America/New_York", Date{2026, time.March, 8}, "08:00", utc(2026, time.March, 8, 12, 0)},
		{"new_york_fall_back_repeated_time_is_first_occurrence", "America/New_York", Date{2026, time.November, 1}, "01:30", utc(2026, time.November, 1, 5, 30)},
		{"new_york_fall_back_repeated_hour_start", "America/New_York", Date{2026, time.November, 1}, "01:00", utc(2026, time.November, 1, 5, 0)},
		{"new_york_fall_back_after_the_repeat", "America/New_York", Date{2026, time.November, 1}, "02:00", utc(2026, time.November, 1, 7, 0)},
		{"new_york_fall_back_morning", "America/New_York", Date{2026, time.November, 1}, "08:00", utc(2026, time.November, 1, 13, 0)},
		{"london_spring_forward_skipped_time", "Europe/London", Date{2026, time.March, 29}, "01:30", utc(2026, time.March, 29, 1, 30)},
		{"london_fall_back_repeated_time", "Europe/London", Date{2026, time.October, 25}, "01:30", utc(2026, time.October, 25, 0, 30)},
		{"kolkata_half_hour_offset", "Asia/Kolkata", Date{2026, time.June, 1}, "10:00", utc(2026, time.June, 1, 4, 30)},
		{"lord_howe_half_hour_jump_skipped_time", "Australia/Lord_Howe", Date{2026, time.October, 4}, "02:15", utc(2026, time.October, 3, 15, 45)},
		{"lord_howe_after_the_half_hour_jump", "Australia/Lord_Howe", Date{2026, time.October, 4}, "02:30", utc(2026, time.October, 3, 15, 30)},
		{"new_york_skipped_time_and_its_shift_are_one_instant", "America/New_York", Date{2026, time.March, 8}, "03:30", utc(2026, time.March, 8, 7, 30)},
		{"utc_midnight", "UTC", Date{2026, time.June, 1}, "00:00", utc(2026, time.June, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := loadZone(t, tt.zone)
			k, err := ParseClock(tt.k)
			if err != nil {
				t.Fatal(err)
			}
			got := at(loc, tt.d, k)
			if !got.Equal(tt.want) {
				t.Errorf("at(%s, %v, %s) = %s (%s), want %s", tt.zone, tt.d, tt.k, got, got.UTC(), tt.want)
			}
			if got.Location() != loc {
				t.Errorf("at returned a time in %s, want %s", got.Location(), loc)
			}
		})
	}
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}
