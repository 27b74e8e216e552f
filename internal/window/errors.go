package window

import "strconv"

// FieldError is a value in a window spec that cannot be used. Its message
// reads field: "value" problem, such as
//
//	start: "25:00" is not a time of day (want HH:MM, 00:00 to 23:59)
//
// so that a caller reading the spec from a file can prefix the file, line
// and the path to the window.
type FieldError struct {
	// Field is the path within the spec: "start", "days[2]", "freezes[1].to".
	// It is empty in errors from ParseClock, ParseWeekday and ParseDate,
	// which do not know where their input came from.
	Field string
	// Value is the value as written.
	Value string
	// Problem says what is wrong with Value, such as "is not a weekday (want mon..sun)".
	Problem string
}

// Error returns field: "value" problem, or "value" problem when Field is empty.
func (e *FieldError) Error() string {
	msg := strconv.Quote(e.Value) + " " + e.Problem
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

// in returns err with its field set to field when err is a *FieldError.
func in(field string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		fe.Field = field
	}
	return err
}
