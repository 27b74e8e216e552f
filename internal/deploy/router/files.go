package router

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Files in a router's directory.
const (
	stateFile = "state.json"
	tokenFile = "token"
	infoFile  = "router.json"
	logFile   = "router.log"
	lockFile  = "router.lock"
)

// Forget removes the routing table kept in dir, once the service's
// instances are all gone: a router started there again routes nowhere
// until a deploy gives it backends, instead of to addresses nobody serves.
// Stop the router first.
func Forget(dir string) error {
	if err := os.Remove(filepath.Join(dir, stateFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("forget the routes in %s: %w", dir, err)
	}
	return nil
}

// writeFileAtomic replaces dir/name with data, so a reader or a crash sees
// either the old content or the new, never a mix.
func writeFileAtomic(dir, name string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	// Make the rename itself durable; not every platform can sync a directory.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func writeJSON(dir, name string, v any, perm fs.FileMode) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(dir, name, append(data, '\n'), perm); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

func readJSON(dir, name string, v any) error {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// loadState reads dir/state.json; a missing file is the zero State.
func loadState(dir string) (State, error) {
	var s State
	if err := readJSON(dir, stateFile, &s); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return State{}, nil
		}
		return State{}, err
	}
	n, err := normalize(s)
	if err != nil {
		return State{}, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	return n, nil
}

// readInfo reads dir/router.json.
func readInfo(dir string) (Info, error) {
	var info Info
	err := readJSON(dir, infoFile, &info)
	return info, err
}

// loadOrCreateToken returns the admin token in dir/token, creating one of 32
// random bytes if there is none.
func loadOrCreateToken(dir string) (string, error) {
	token, err := readToken(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return token, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("create admin token: %w", err)
	}
	token = hex.EncodeToString(b)
	if err := writeFileAtomic(dir, tokenFile, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write admin token %s: %w", filepath.Join(dir, tokenFile), err)
	}
	return token, nil
}

func readToken(dir string) (string, error) {
	path := filepath.Join(dir, tokenFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("admin token %s is empty: delete it and restart the router to create a new one", path)
	}
	return token, nil
}
