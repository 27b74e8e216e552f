//go:build unix

package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	osuser "os/user"
	"strconv"
	"syscall"
)

// errNoUser is returned as root when no account can run the server.
var errNoUser = errors.New("the tests run as root, which PostgreSQL refuses, and neither user postgres nor nobody exists; create one of them or run the tests as another user")

// user is the account that runs PostgreSQL; nil is the test's own.
type user struct {
	name     string
	uid, gid uint32
}

// unprivilegedUser is nil unless the tests run as root, which initdb and
// postgres refuse: then it is postgres (made by Debian's package) or nobody.
func unprivilegedUser() (*user, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := osuser.Lookup(name)
		if err != nil {
			continue
		}
		uid, err := strconv.ParseUint(u.Uid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %s has uid %q: %w", name, u.Uid, err)
		}
		gid, err := strconv.ParseUint(u.Gid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("user %s has gid %q: %w", name, u.Gid, err)
		}
		return &user{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, errNoUser
}

// own gives path to the user, so PostgreSQL can write there.
func (u *user) own(path string) error {
	if u == nil {
		return nil
	}
	if err := os.Chown(path, int(u.uid), int(u.gid)); err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, u.name, err)
	}
	return nil
}

// apply makes cmd run as the user.
func (u *user) apply(cmd *exec.Cmd) {
	if u == nil {
		return
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid, NoSetGroups: true},
	}
}
