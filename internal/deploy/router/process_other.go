//go:build !unix

package router

import (
	"context"
	"errors"
	"fmt"
)

// Ensure is not supported on this platform: it cannot start a detached router
// nor tell whether one holds its directory.
func Ensure(context.Context, string, []string) (Client, Info, error) {
	return Client{}, Info{}, fmt.Errorf("ensure router: %w on this platform; run the router with Main and use Open", errors.ErrUnsupported)
}

// Stop is not supported on this platform.
func Stop(string) error {
	return fmt.Errorf("stop router: %w on this platform", errors.ErrUnsupported)
}
