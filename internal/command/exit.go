package command

import (
	"fmt"
	"strings"
)

// ExitError reports a command that exited with a non-zero status.
type ExitError struct {
	Command string
	Dir     string
	// Code is the exit status, or -1 if the command was killed by a signal.
	Code int
	// Tail holds the last lines of output, oldest first.
	Tail []string
}

// Error names the command, its directory and exit status, and ends with
// the last lines of output.
func (e *ExitError) Error() string {
	var b strings.Builder
	if e.Code < 0 {
		fmt.Fprintf(&b, "%q in %s was killed by a signal", e.Command, dirName(e.Dir))
	} else {
		fmt.Fprintf(&b, "%q in %s exited %d", e.Command, dirName(e.Dir), e.Code)
	}
	if len(e.Tail) == 0 {
		b.WriteString(" with no output")
		return b.String()
	}
	b.WriteString("; last lines:\n")
	b.WriteString(strings.Join(e.Tail, "\n"))
	return b.String()
}
