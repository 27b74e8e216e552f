package window

import (
	"fmt"
	"time"
)

// Rotation is an on-call rotation: the people take turns a week each,
// handing off on a weekday at a time of day in a zone. Without a handoff
// day every person listed is on call at once.
type Rotation struct {
	People   []string `yaml:"people" json:"people"`
	Handoff  string   `yaml:"handoff" json:"handoff,omitempty"` // a weekday: mon..sun
	At       string   `yaml:"at" json:"at,omitempty"`           // HH:MM (default 09:00)
	TimeZone string   `yaml:"timezone" json:"timezone,omitempty"`
}

// epoch is a Monday at midnight UTC; turns are counted from it, so every
// worker and every replay agrees on whose turn it is.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Check says what is wrong with the rotation, as a FieldError.
func (r Rotation) Check() error {
	_, _, _, err := r.parse()
	return err
}

func (r Rotation) parse() (time.Weekday, Clock, *time.Location, error) {
	if r.Handoff == "" {
		return 0, 0, time.UTC, nil
	}
	day, err := ParseWeekday(r.Handoff)
	if err != nil {
		return 0, 0, nil, in("handoff", err)
	}
	at := Clock(9 * 60)
	if r.At != "" {
		if at, err = ParseClock(r.At); err != nil {
			return 0, 0, nil, in("at", err)
		}
	}
	loc := time.UTC
	if r.TimeZone != "" {
		if loc, err = loadLocation(r.TimeZone); err != nil {
			return 0, 0, nil, err
		}
	}
	return day, at, loc, nil
}

// OnCall returns who is on call at t: the person whose week it is, or
// everyone listed when the rotation has no handoff day.
func (r Rotation) OnCall(t time.Time) []string {
	if len(r.People) == 0 {
		return nil
	}
	day, at, loc, err := r.parse()
	if err != nil || r.Handoff == "" {
		return r.People
	}
	// The last handoff at or before t, in the rotation's zone.
	local := t.In(loc)
	h := time.Date(local.Year(), local.Month(), local.Day(), at.hour(), at.minute(), 0, 0, loc)
	for h.Weekday() != day || h.After(local) {
		h = h.AddDate(0, 0, -1)
		h = time.Date(h.Year(), h.Month(), h.Day(), at.hour(), at.minute(), 0, 0, loc)
	}
	// Whole weeks from the epoch to that handoff, counted by calendar
	// days so a change of daylight saving time does not shift a turn.
	days := int(dateOf(h).midnight().Sub(dateOf(epoch).midnight()).Hours()+12) / 24
	turn := ((days/7)%len(r.People) + len(r.People)) % len(r.People)
	return []string{r.People[turn]}
}

// String describes the rotation for messages.
func (r Rotation) String() string {
	if r.Handoff == "" {
		return fmt.Sprintf("%v, all at once", r.People)
	}
	return fmt.Sprintf("%v, handing off %s %s %s", r.People, r.Handoff, r.At, r.TimeZone)
}
