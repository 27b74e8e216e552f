package activities

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// Error types that tell a workflow a failure will not go away by retrying.
const (
	ErrBadInput   = "BadInput"
	ErrConflict   = "Conflict"
	ErrTestFailed = "TestsFailed"
	ErrRefused    = "Refused"
)

// badInput is a non-retryable failure caused by the request itself.
func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}

// permanent makes err a non-retryable failure of the given type. Its
// message is err's whole message: a workflow reads the innermost cause of
// a failure, and the Go errors inside (a process's "exit status 128") say
// less than the message around them.
func permanent(kind string, err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), kind, nil)
}
