//go:build !unix

package devserver

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir creates the lock file but cannot lock it on this platform: running
// two servers on one data directory is left to the user to avoid.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "temporal.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory %s: %w", dir, err)
	}
	return f, nil
}
