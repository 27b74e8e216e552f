package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/signalman/signalman/internal/artifact/signature"
)

// DefaultKeys is where the local default keeps its cosign key pair.
func DefaultKeys(dataDir string) Keys {
	keys := filepath.Join(dataDir, "keys")
	return Keys{
		Private: filepath.Join(keys, "cosign.key"), Public: filepath.Join(keys, "cosign.pub"),
		Follow: filepath.Join(keys, "follow.key"), FollowPublic: filepath.Join(keys, "follow.pub"),
	}
}

// GenerateKeys writes a new cosign key pair, encrypted with password. It
// never overwrites a key: an existing pair is an error.
func GenerateKeys(k Keys, password []byte) error {
	for _, p := range []string{k.Private, k.Public} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s already exists; keys are never overwritten (move it away to make a new pair)", p)
		}
	}
	priv, pub, err := signature.GenerateKeys(password)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(k.Private), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(k.Public), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(k.Private, priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(k.Public, pub, 0o644)
}

// ensureKeys creates the local default's key pair on first start.
func ensureKeys(k Keys, password []byte) (created bool, err error) {
	if _, err := os.Stat(k.Private); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	return true, GenerateKeys(k, password)
}
