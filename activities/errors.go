package activities

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
)

// badInput is a non-retryable failure caused by the request itself.
func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), contract.ErrBadInput, nil)
}

// permanent makes err a non-retryable failure of the given type. Its
// message is err's whole message: a workflow reads the innermost cause of
// a failure, and the Go errors inside (a process's "exit status 128") say
// less than the message around them.
func permanent(kind string, err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), kind, nil)
}
