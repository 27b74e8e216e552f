package activities

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"os"
)

// trusted reads the public keys the worker trusts: the pair's public key
// and the other keys it was given.
func (s *Signer) trusted() ([][]byte, error) {
	var keys [][]byte
	for _, f := range append([]string{s.PublicKeyFile}, s.TrustedKeyFiles...) {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read the public key: %w", err)
		}
		keys = append(keys, b)
	}
	return keys, nil
}

// accepted are the keys a deploy may be verified with: those the worker
// trusts, narrowed to the environment's own list when the pipeline gives
// one. The pipeline can narrow the worker's trust, never widen it.
func accepted(trusted [][]byte, env []string) [][]byte {
	if len(env) == 0 {
		return trusted
	}
	var out [][]byte
	for _, t := range trusted {
		for _, e := range env {
			if sameKey(t, []byte(e)) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// sameKey reports whether two PEM texts hold the same public key.
func sameKey(a, b []byte) bool {
	pa, _ := pem.Decode(a)
	pb, _ := pem.Decode(b)
	return pa != nil && pb != nil && bytes.Equal(pa.Bytes, pb.Bytes)
}
