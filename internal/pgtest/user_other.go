//go:build !unix

package pgtest

import "os/exec"

// user is the account that runs PostgreSQL: always the test's own here.
type user struct{}

func unprivilegedUser() (*user, error) { return nil, nil }

func (u *user) own(string) error { return nil }

func (u *user) apply(*exec.Cmd) {}
