package git

import (
	"errors"
	"strings"
)

// fatalSigns are what git prints when a repository cannot be reached for a
// reason no retry changes: it does not exist, or the credentials are
// refused. Network trouble (a host that does not resolve, a refused or
// reset connection, a timeout) is not among them.
var fatalSigns = []string{
	"does not exist",
	"does not appear to be a git repository",
	"repository not found",
	"not found: repository",
	"authentication failed",
	"permission denied (publickey",
	"could not read username",
	"could not read password",
	"host key verification failed",
	"invalid username or password",
	"the requested url returned error: 401",
	"the requested url returned error: 403",
	"the requested url returned error: 404",
}

// Fatal reports whether err is a git command that failed for a reason
// retrying cannot fix: a repository that does not exist or refused
// credentials. Callers stop at once instead of retrying.
func Fatal(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	stderr := strings.ToLower(e.Stderr)
	for _, sign := range fatalSigns {
		if strings.Contains(stderr, sign) {
			return true
		}
	}
	return false
}
