package config

import (
	"strconv"
	"strings"
)

// Error is one problem in a pipeline file: where it is and what is wrong.
type Error struct {
	// File is the name the file was loaded under; empty for a Pipeline
	// validated without a file.
	File string
	// Line is the 1-based line of the offending node; 0 when unknown.
	Line int
	// Field is the path of the offending field, such as
	// "environments.prod.window.start" or "services[0].name"; empty for
	// problems of the whole file, such as a syntax error.
	Field string
	// Msg says what is wrong and what to do about it.
	Msg string
}

// Error formats e as "file:line: field: msg", leaving out the parts that
// are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one pipeline file, sorted by line, so
// that a user can fix them all in one go.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}
