package window

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a day on the calendar, without a time of day or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date written YYYY-MM-DD, such as "2026-12-25". It
// rejects days the month does not have, such as "2026-02-30". An error is a
// *FieldError with an empty Field.
func ParseDate(s string) (Date, error) {
	bad := &FieldError{Value: s, Problem: "is not a date (want YYYY-MM-DD)"}
	if len(s) != len("YYYY-MM-DD") || s[4] != '-' || s[7] != '-' {
		return Date{}, bad
	}
	y1, ok1 := digits2(s[0:2])
	y2, ok2 := digits2(s[2:4])
	m, ok3 := digits2(s[5:7])
	d, ok4 := digits2(s[8:10])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return Date{}, bad
	}
	date := Date{Year: y1*100 + y2, Month: time.Month(m), Day: d}
	// time.Date normalises 2026-02-30 to 2026-03-02; a date that changes
	// does not exist.
	if date.Month < time.January || date.Month > time.December || date.AddDays(0) != date {
		return Date{}, bad
	}
	return date, nil
}

// dateOf returns the date of t in t's location.
func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String returns d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday returns the day of the week d falls on.
func (d Date) Weekday() time.Weekday {
	return d.midnight().Weekday()
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return dateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}

func (d Date) midnight() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}
