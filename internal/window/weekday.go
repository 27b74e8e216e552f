package window

import (
	"strings"
	"time"
)

// ParseWeekday parses a day of the week: "mon" to "sun" or the full English
// name, in any case ("Mon", "monday"). An error is a *FieldError with an
// empty Field.
func ParseWeekday(s string) (time.Weekday, error) {
	lower := strings.ToLower(s)
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if lower == name || lower == name[:3] {
			return d, nil
		}
	}
	return 0, &FieldError{Value: s, Problem: "is not a weekday (want mon..sun)"}
}
