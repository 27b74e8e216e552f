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

// permanent wraps err as a non-retryable failure of the given type.
func permanent(kind string, err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), kind, err)
}
