package window

import "fmt"

// Clock is a time of day in minutes since midnight: 8*60 is 08:00.
type Clock int

// ParseClock parses a time of day written HH:MM on a 24-hour clock, from
// 00:00 to 23:59. An error is a *FieldError with an empty Field.
func ParseClock(s string) (Clock, error) {
	bad := &FieldError{Value: s, Problem: "is not a time of day (want HH:MM, 00:00 to 23:59)"}
	if len(s) != len("HH:MM") || s[2] != ':' {
		return 0, bad
	}
	h, ok1 := digits2(s[0:2])
	m, ok2 := digits2(s[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, bad
	}
	return Clock(h*60 + m), nil
}

// String returns c as HH:MM.
func (c Clock) String() string {
	return fmt.Sprintf("%02d:%02d", c.hour(), c.minute())
}

func (c Clock) hour() int   { return int(c) / 60 }
func (c Clock) minute() int { return int(c) % 60 }

// digits2 parses exactly two decimal digits.
func digits2(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}
