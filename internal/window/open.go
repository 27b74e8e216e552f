package window

import (
	"fmt"
	"time"
)

// IsOpen reports whether deploys may happen at t: t's local date is a deploy
// day, not a holiday and not in a freeze, and t is at or after that day's
// opening and before its closing. The hours are local wall-clock times;
// see NextOpen for days when clocks change.
func (c *Calendar) IsOpen(t time.Time) bool {
	_, _, ok := c.window(t)
	return ok
}

// NextOpen returns t if the window is open at t, and otherwise the instant
// it next opens, in the calendar's location.
//
// On the days clocks change, an opening time the clocks skip opens the
// window as far past the jump as the time named was, and an opening time
// the clocks repeat opens it at the first occurrence: with start 02:30 in
// New York the window opens at 03:30 EDT on 2026-03-08, and with start 01:30
// at 01:30 EDT on 2026-11-01. Closing times resolve the same way, so a
// window no longer than the skipped hour and inside it (02:00 to 03:00 in
// New York) does not open that day.
//
// NextOpen always finds an opening: New accepts at least one deploy day, and
// holidays and freezes are finite, so a day past them all opens.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.IsOpen(t) {
		return t
	}
	// Start a day early: a time the clocks skip can push yesterday's
	// window past midnight.
	d := dateOf(t.In(c.loc)).AddDays(-1)
	for {
		if f := c.frozen(d); f != nil {
			d = f.to.AddDays(1)
			continue
		}
		if c.days[d.Weekday()] && !c.holidays[d] {
			// A window inside the hour clocks skip is empty that day.
			if opens, closes := c.hours(d); opens.After(t) && opens.Before(closes) {
				return opens
			}
		}
		d = d.AddDays(1)
	}
}

// OpenFor returns the first instant at or after t from which the window
// stays open for at least d, or the zero time if no opening is that long.
// A deploy that must finish inside the window starts then.
func (c *Calendar) OpenFor(t time.Time, d time.Duration) time.Time {
	if d > c.Length() {
		return time.Time{}
	}
	// Each try moves past one opening; holidays, freezes and clock changes
	// can shorten openings, but never a year of them in a row.
	for range 366 {
		opens := c.NextOpen(t)
		closes := c.ClosesAt(opens)
		if closes.Sub(opens) >= d {
			return opens
		}
		t = closes
	}
	return time.Time{}
}

// Length is how long the window stays open on a deploy day.
func (c *Calendar) Length() time.Duration {
	return time.Duration(c.end-c.start) * time.Minute
}

// ClosesAt returns the instant the window open at t closes, in the
// calendar's location, or the zero time if the window is shut at t.
func (c *Calendar) ClosesAt(t time.Time) time.Time {
	_, closes, _ := c.window(t)
	return closes
}

// Why says why the window is shut at t, such as "Friday is not a deploy
// day", "holiday 2026-12-25", "freeze until 2026-12-31: year-end" or
// "before opening 08:00 America/New_York". It returns "" when the window is
// open. A freeze outranks a holiday, which outranks the day of the week.
func (c *Calendar) Why(t time.Time) string {
	if c.IsOpen(t) {
		return ""
	}
	d := dateOf(t.In(c.loc))
	if f := c.frozen(d); f != nil {
		if f.reason == "" {
			return "freeze until " + f.to.String()
		}
		return fmt.Sprintf("freeze until %s: %s", f.to, f.reason)
	}
	if c.holidays[d] {
		return "holiday " + d.String()
	}
	if !c.days[d.Weekday()] {
		return d.Weekday().String() + " is not a deploy day"
	}
	if opens, _ := c.hours(d); t.Before(opens) {
		return fmt.Sprintf("before opening %s %s", c.start, c.loc)
	}
	return fmt.Sprintf("after closing %s %s", c.end, c.loc)
}

// window returns the opening and closing of the window open at t, if any.
func (c *Calendar) window(t time.Time) (opens, closes time.Time, ok bool) {
	today := dateOf(t.In(c.loc))
	for _, d := range [...]Date{today.AddDays(-1), today} {
		if !c.days[d.Weekday()] || c.holidays[d] || c.frozen(d) != nil {
			continue
		}
		if opens, closes := c.hours(d); !t.Before(opens) && t.Before(closes) {
			return opens, closes, true
		}
	}
	return time.Time{}, time.Time{}, false
}

// hours returns the instants d's window opens and closes, were d a deploy day.
func (c *Calendar) hours(d Date) (opens, closes time.Time) {
	return at(c.loc, d, c.start), at(c.loc, d, c.end)
}

// frozen returns the freeze that covers d and ends last, or nil.
func (c *Calendar) frozen(d Date) *freeze {
	var last *freeze
	for i := range c.freezes {
		f := &c.freezes[i]
		if d.Compare(f.from) >= 0 && d.Compare(f.to) <= 0 && (last == nil || f.to.Compare(last.to) > 0) {
			last = f
		}
	}
	return last
}
