package contract

// Error types that tell a workflow a failure will not go away by retrying.
const (
	ErrBadInput   = "BadInput"
	ErrConflict   = "Conflict"
	ErrTestFailed = "TestsFailed"
	ErrRefused    = "Refused"
)
