package window

import (
	"errors"
	"testing"
	"time"
)

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"08:00", "23:59", "00:00", "24:00", "8:00", "08:60", "-1:00", "٠٨:٠٠", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClock(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Value != s || fe.Field != "" {
				t.Fatalf("ParseClock(%q) error = %#v, want a *FieldError for the value", s, err)
			}
			return
		}
		if c < 0 || c >= 24*60 {
			t.Errorf("ParseClock(%q) = %d, outside the day", s, c)
		}
		if c.String() != s {
			t.Errorf("ParseClock(%q).String() = %q", s, c.String())
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-12-25", "2028-02-29", "2026-02-29", "2026-13-01", "2026-1-01", "0000-01-01", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Value != s || fe.Field != "" {
				t.Fatalf("ParseDate(%q) error = %#v, want a *FieldError for the value", s, err)
			}
			return
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d.String())
		}
		if d.AddDays(1).AddDays(-1) != d {
			t.Errorf("ParseDate(%q) = %v does not survive a day forward and back", s, d)
		}
	})
}

func FuzzParseWeekday(f *testing.F) {
	for _, s := range []string{"mon", "Sunday", "WED", "fri day", "ſun", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseWeekday(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Value != s || fe.Field != "" {
				t.Fatalf("ParseWeekday(%q) error = %#v, want a *FieldError for the value", s, err)
			}
			return
		}
		if d < time.Sunday || d > time.Saturday {
			t.Errorf("ParseWeekday(%q) = %d, not a weekday", s, d)
		}
	})
}

// fuzzZones are zones with the shapes of offset change that matter: none,
// an hour each way at different local times, half an hour, and a zone east
// of UTC whose local date runs ahead.
var fuzzZones = [...]string{
	"America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe",
	"America/Sao_Paulo", "Pacific/Auckland", "UTC",
}

func FuzzNextOpen(f *testing.F) {
	f.Add(int64(1780603260), uint16(8*60), uint16(8*60), uint8(0), uint8(0), uint16(4), uint16(3), uint8(5))    // Thursday 16:01 in New York
	f.Add(int64(1772928000), uint16(2*60+30), uint16(60), uint8(127), uint8(0), uint16(0), uint16(0), uint8(0)) // spring forward, opening in the gap
	f.Add(int64(1793512800), uint16(60+30), uint16(30), uint8(127), uint8(0), uint16(1), uint16(0), uint8(0))   // fall back, opening in the repeat
	f.Add(int64(1774742400), uint16(9*60), uint16(8*60), uint8(31), uint8(1), uint16(2), uint16(9), uint8(20))  // London spring forward
	f.Add(int64(0), uint16(0), uint16(0), uint8(1), uint8(3), uint16(0), uint16(0), uint8(0))
	f.Fuzz(func(t *testing.T, unix int64, start, length uint16, days, zone uint8, holiday, freezeAt uint16, freezeLen uint8) {
		// Instants from 2000 to 2100, to any nanosecond; those in the range
		// stay themselves.
		const y2000, span = 946684800, 100 * 365 * 24 * 60 * 60
		sec := y2000 + ((unix-y2000)%span+span)%span
		when := time.Unix(sec, (unix%1e9+1e9)%1e9)
		loc := loadZone(t, fuzzZones[int(zone)%len(fuzzZones)])

		s := Spec{TimeZone: loc.String()}
		first := Clock(start % (24*60 - 1))
		last := first + 1 + Clock(length)%(24*60-1-first)
		s.Start, s.End = first.String(), last.String()
		for d := time.Sunday; d <= time.Saturday; d++ {
			if days&(1<<d) != 0 {
				s.Days = append(s.Days, d.String()[:3])
			}
		}
		today := dateOf(when.In(loc))
		s.Holidays = []string{today.AddDays(int(holiday % 30)).String()}
		from := today.AddDays(int(freezeAt%60) - 5)
		s.Freezes = []Freeze{{From: from.String(), To: from.AddDays(int(freezeLen % 40)).String(), Reason: "fuzz"}}
		c := mustNew(t, s)

		next := c.NextOpen(when)
		if next.IsZero() {
			t.Fatalf("NextOpen(%s) is zero for %+v", when, s)
		}
		if next.Before(when) {
			t.Fatalf("NextOpen(%s) = %s, before t", when, next)
		}
		if !c.IsOpen(next) {
			t.Fatalf("NextOpen(%s) = %s, which is shut: %s", when, next, c.Why(next))
		}
		if (c.Why(when) == "") != c.IsOpen(when) {
			t.Fatalf("Why(%s) = %q disagrees with IsOpen = %v", when, c.Why(when), c.IsOpen(when))
		}
		if other := c.NextOpen(when.In(time.UTC)); !other.Equal(next) {
			t.Fatalf("NextOpen depends on t's location: %s in UTC gives %s, in %s gives %s", when, other, loc, next)
		}
		if !next.Equal(when) {
			if c.IsOpen(when) {
				t.Fatalf("IsOpen(%s), yet NextOpen = %s", when, next)
			}
			if c.IsOpen(next.Add(-time.Nanosecond)) {
				t.Fatalf("NextOpen(%s) = %s, but the window was already open a nanosecond before", when, next)
			}
			// Sample the gap: every minute of the first and last two hours,
			// and evenly between.
			gap := next.Sub(when)
			for i := time.Duration(1); i <= 120; i++ {
				for _, p := range [...]time.Time{when.Add(i * time.Minute), next.Add(-i * time.Minute)} {
					if p.After(when) && p.Before(next) && c.IsOpen(p) {
						t.Fatalf("NextOpen(%s) = %s, but the window is open at %s", when, next, p)
					}
				}
			}
			for i := int64(1); i < 256; i++ {
				p := when.Add(time.Duration(int64(gap) / 256 * i))
				if c.IsOpen(p) {
					t.Fatalf("NextOpen(%s) = %s, but the window is open at %s", when, next, p)
				}
			}
		}
		closes := c.ClosesAt(next)
		if !closes.After(next) || c.IsOpen(closes) || !c.IsOpen(closes.Add(-time.Nanosecond)) {
			t.Fatalf("window opening %s closes at %s: want later, shut at closing and open just before", next, closes)
		}
	})
}
