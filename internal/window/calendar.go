// Package window does the calendar math of production deploy windows: on
// which days and between which local times deploys may happen, in which
// time zone, and which holidays and freezes shut the window.
//
// It is pure and deterministic, so workflows can use it: it never reads the
// clock, and every answer depends only on the Spec and the instant asked
// about. Time zone data is embedded, so zones load on machines without it.
package window

import (
	"fmt"
	"time"
	_ "time/tzdata" // zones must load on machines without a zoneinfo database
)

// Defaults for the fields a Spec leaves empty; the default days are Monday
// to Thursday.
const (
	DefaultStart    = "08:00"            // opening time
	DefaultEnd      = "16:00"            // closing time
	DefaultTimeZone = "America/New_York" // zone of the days and hours
)

// Calendar answers when a deploy window is open. It is made by New and is
// safe for concurrent use.
type Calendar struct {
	loc        *time.Location
	days       [7]bool // indexed by time.Weekday
	start, end Clock
	holidays   map[Date]bool
	freezes    []freeze
}

type freeze struct {
	from, to Date
	reason   string
}

// WithDefaults returns a copy of s with its empty fields set to their
// defaults: Monday to Thursday, 08:00 to 16:00, America/New_York.
func (s Spec) WithDefaults() Spec {
	if len(s.Days) == 0 {
		s.Days = []string{"mon", "tue", "wed", "thu"}
	}
	if s.Start == "" {
		s.Start = DefaultStart
	}
	if s.End == "" {
		s.End = DefaultEnd
	}
	if s.TimeZone == "" {
		s.TimeZone = DefaultTimeZone
	}
	return s
}

// New returns the calendar of s after applying its defaults. It reports the
// first field that cannot be used, as a *FieldError naming it.
func New(s Spec) (*Calendar, error) {
	s = s.WithDefaults()
	c := &Calendar{holidays: make(map[Date]bool, len(s.Holidays))}
	for i, name := range s.Days {
		d, err := ParseWeekday(name)
		if err != nil {
			return nil, in(fmt.Sprintf("days[%d]", i), err)
		}
		c.days[d] = true
	}
	var err error
	if c.start, err = ParseClock(s.Start); err != nil {
		return nil, in("start", err)
	}
	if c.end, err = ParseClock(s.End); err != nil {
		return nil, in("end", err)
	}
	if c.end <= c.start {
		return nil, &FieldError{Field: "end", Value: s.End, Problem: fmt.Sprintf("must be after start %q", s.Start)}
	}
	if c.loc, err = loadLocation(s.TimeZone); err != nil {
		return nil, err
	}
	for i, h := range s.Holidays {
		d, err := ParseDate(h)
		if err != nil {
			return nil, in(fmt.Sprintf("holidays[%d]", i), err)
		}
		c.holidays[d] = true
	}
	for i, f := range s.Freezes {
		from, err := ParseDate(f.From)
		if err != nil {
			return nil, in(fmt.Sprintf("freezes[%d].from", i), err)
		}
		to, err := ParseDate(f.To)
		if err != nil {
			return nil, in(fmt.Sprintf("freezes[%d].to", i), err)
		}
		if to.Compare(from) < 0 {
			return nil, &FieldError{
				Field:   fmt.Sprintf("freezes[%d].to", i),
				Value:   f.To,
				Problem: fmt.Sprintf("is before from %q", f.From),
			}
		}
		c.freezes = append(c.freezes, freeze{from: from, to: to, reason: f.Reason})
	}
	return c, nil
}

// loadLocation loads a named zone. It refuses "Local", whose meaning
// depends on the machine, which would make answers differ between workers.
func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, &FieldError{
			Field:   "timezone",
			Value:   name,
			Problem: `depends on the machine (name a zone such as "America/New_York")`,
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &FieldError{Field: "timezone", Value: name, Problem: "is not a known time zone"}
	}
	return loc, nil
}

// Location returns the time zone the window's days and hours are in.
func (c *Calendar) Location() *time.Location {
	return c.loc
}
