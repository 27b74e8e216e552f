package window

import (
	"fmt"
	"strings"
)

// Spec is a deploy window as written in signalman.yaml: a mapping of the
// fields below, or the word "always".
type Spec struct {
	// Always opens the window at every hour of every day; the file says
	// so with window: always, never by leaving the window out.
	Always bool `yaml:"-" json:"always,omitempty"`
	// Days are the weekdays deploys may happen: "mon".."sun" (default mon to thu).
	Days []string `yaml:"days" json:"days,omitempty"`
	// Start and End are the opening hours, "HH:MM" local time (defaults 08:00 and 16:00).
	Start string `yaml:"start" json:"start,omitempty"`
	End   string `yaml:"end" json:"end,omitempty"`
	// TimeZone is an IANA zone name (default "America/New_York").
	TimeZone string `yaml:"timezone" json:"timezone,omitempty"`
	// Holidays are dates (YYYY-MM-DD, local) on which the window stays shut.
	Holidays []string `yaml:"holidays" json:"holidays,omitempty"`
	// Freezes are date ranges on which the window stays shut.
	Freezes []Freeze `yaml:"freezes" json:"freezes,omitempty"`
}

// Freeze shuts the window from From to To (inclusive dates, YYYY-MM-DD, local).
type Freeze struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
	// Reason is shown while the freeze holds: "freeze until 2026-12-31: year-end".
	Reason string `yaml:"reason" json:"reason"`
}

// Always is how a file writes a window that is always open.
const Always = "always"

// SetWord reads the one word a window may be written as instead of a
// mapping. (Not UnmarshalText: JSON must keep reading a Spec as an object.)
func (s *Spec) SetWord(word string) error {
	if word != Always {
		return fmt.Errorf("%q is not a window; write always, or a mapping of days, start, end, timezone, holidays and freezes", word)
	}
	*s = Spec{Always: true}
	return nil
}

// MarshalYAML writes an always-open window as the word always, so a
// written-out pipeline reads back the same.
func (s Spec) MarshalYAML() (any, error) {
	if s.Always {
		return Always, nil
	}
	type fields Spec
	return fields(s), nil
}

// String says when the window is open, with its defaults applied, such as
// "mon, tue, wed, thu 08:00-16:00 America/New_York".
func (s Spec) String() string {
	if s.Always {
		return "always open"
	}
	d := s.WithDefaults()
	out := fmt.Sprintf("%s %s-%s %s", strings.Join(d.Days, ", "), d.Start, d.End, d.TimeZone)
	if n := len(d.Holidays); n > 0 {
		out += fmt.Sprintf(", %d holiday(s)", n)
	}
	if n := len(d.Freezes); n > 0 {
		out += fmt.Sprintf(", %d freeze(s)", n)
	}
	return out
}
