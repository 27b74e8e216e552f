package window

import (
	"slices"
	"testing"
	"time"
)

func TestRotation(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	r := Rotation{People: []string{"sam", "sasha", "omar"}, Handoff: "mon", At: "09:00", TimeZone: "America/New_York"}
	mon := time.Date(2026, 11, 23, 9, 0, 0, 0, ny)
	first := r.OnCall(mon)
	if len(first) != 1 {
		t.Fatalf("on call %v, want one person", first)
	}
	next := func(p string) string { return r.People[(slices.Index(r.People, p)+1)%3] }
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"the_handoff_minute_is_the_new_week", mon, first[0]},
		{"a_minute_before_the_handoff_is_the_old_week", mon.Add(-time.Minute), next(next(first[0]))},
		{"friday_is_the_same_week", mon.AddDate(0, 0, 4), first[0]},
		{"next_monday_hands_off", mon.AddDate(0, 0, 7), next(first[0])},
		// 2027-03-14 moves New York's clocks: the turn still changes on
		// Monday 09:00 local time.
		{"across_daylight_saving", time.Date(2027, 3, 15, 9, 0, 0, 0, ny), r.OnCall(time.Date(2027, 3, 8, 9, 0, 0, 0, ny).AddDate(0, 0, 7))[0]},
		{"same_instant_in_another_zone_same_person", mon.UTC(), first[0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.OnCall(tc.at); len(got) != 1 || got[0] != tc.want {
				t.Errorf("on call at %s: %v, want %s", tc.at, got, tc.want)
			}
		})
	}
	if got := r.OnCall(time.Date(2027, 3, 15, 9, 0, 0, 0, ny)); got[0] != next(r.OnCall(time.Date(2027, 3, 8, 9, 0, 0, 0, ny))[0]) {
		t.Errorf("the week after daylight saving starts is not the next person's: %v", got)
	}
	all := Rotation{People: []string{"sam", "sasha"}}
	if got := all.OnCall(mon); !slices.Equal(got, all.People) {
		t.Errorf("a fixed list: %v, want everyone", got)
	}
	if err := (Rotation{People: []string{"sam"}, Handoff: "funday"}).Check(); err == nil {
		t.Error("a handoff on funday was accepted")
	}
}
