// Package buildnum hands out build numbers: per product, increasing, and
// kept on disk so a restart never hands one out twice.
package buildnum

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Counter keeps one counter file per product in Dir.
type Counter struct {
	Dir string
}

// Next returns the product's next build number, greater than every number
// handed out before and greater than floor (the highest number already seen
// elsewhere, such as in the registry, so a lost counter file cannot reuse a
// number). Concurrent callers, in this process or others, get distinct numbers.
func (c Counter) Next(product string, floor int) (int, error) {
	if product == "" || strings.ContainsAny(product, `/\`) || product == "." || product == ".." {
		return 0, fmt.Errorf("build number: bad product name %q", product)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return 0, fmt.Errorf("build number for %s: %w", product, err)
	}
	path := filepath.Join(c.Dir, product)
	// The lock has its own file: the counter is replaced by rename, and a
	// lock on a replaced file would guard nothing.
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return 0, fmt.Errorf("build number for %s: %w", product, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return 0, fmt.Errorf("lock build counter %s: %w", path, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return 0, fmt.Errorf("read build counter %s: %w", path, err)
	}
	last := 0
	if s := strings.TrimSpace(string(data)); s != "" {
		if last, err = strconv.Atoi(s); err != nil || last < 0 {
			return 0, fmt.Errorf("build counter %s holds %q, not a build number; fix or remove it", path, s)
		}
	}
	next := max(last, floor) + 1
	// Write a temporary file and rename it over the counter, so a crash
	// leaves either the old number or the new one, never a torn write.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(next)+"\n"), 0o644); err != nil {
		return 0, fmt.Errorf("write build counter %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("write build counter %s: %w", path, err)
	}
	return next, nil
}
