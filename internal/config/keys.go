package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// isPEM tells a key written into the file from a path to one.
func isPEM(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "-----BEGIN") }

// checkPublicKey says what is wrong with a PEM public key, or nil.
func checkPublicKey(text string) error {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	switch {
	case block == nil:
		return errors.New("is not PEM (want a block such as -----BEGIN PUBLIC KEY-----, as cosign.pub holds)")
	case block.Type != "PUBLIC KEY":
		return fmt.Errorf("is a PEM %q block, not a PUBLIC KEY; give the public half of the key pair", block.Type)
	case len(strings.TrimSpace(string(rest))) > 0:
		return errors.New("holds more than one PEM block; list each key on its own")
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
		return fmt.Errorf("is not a public key: %v", err)
	}
	return nil
}

// validateKeys checks the keys written into the file; paths are read and
// checked by Load, which knows the file's directory.
func (e *Environment) validateKeys(path string, ps *problems) {
	for i, k := range e.VerifyKeys {
		kp := item(path+".verify_keys", i)
		switch {
		case strings.TrimSpace(k) == "":
			ps.add(kp, "empty; give a PEM public key or the path of a file holding one")
		case isPEM(k):
			if err := checkPublicKey(k); err != nil {
				ps.add(kp, "%v", err)
			}
		}
	}
}

// readKeys replaces each key path of every environment with the PEM text
// of the file it names, relative to dir, so that what the deployers get is
// the key itself.
func (p *Pipeline) readKeys(name, dir string) error {
	for env, e := range p.Environments {
		for i, k := range e.VerifyKeys {
			if isPEM(k) {
				continue
			}
			path := k
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			field := item(child("environments", env)+".verify_keys", i)
			b, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("%s: %s: read the key: %w", name, field, err)
			}
			if err := checkPublicKey(string(b)); err != nil {
				return fmt.Errorf("%s: %s: %s %v", name, field, path, err)
			}
			e.VerifyKeys[i] = string(b)
		}
	}
	return nil
}
