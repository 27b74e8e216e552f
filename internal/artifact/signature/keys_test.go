package signature_test

import (
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/sigstore/cosign/v2/pkg/cosign"

	"github.com/signalman/signalman/internal/artifact/signature"
)

func TestGenerateKeys(t *testing.T) {
	password := []byte("correct horse battery staple")
	priv, pub, err := signature.GenerateKeys(password)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("files_are_in_cosign_format", func(t *testing.T) {
		if b, _ := pem.Decode(priv); b == nil || b.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
			t.Errorf("private key PEM block = %v, want ENCRYPTED SIGSTORE PRIVATE KEY", b)
		}
		if b, _ := pem.Decode(pub); b == nil || b.Type != "PUBLIC KEY" {
			t.Errorf("public key PEM block = %v, want PUBLIC KEY", b)
		}
		// cosign's own loader is what `cosign sign --key` uses.
		if _, err := cosign.LoadPrivateKey(priv, password, nil); err != nil {
			t.Errorf("cosign cannot load the private key: %v", err)
		}
		if _, err := cosign.PemToECDSAKey(pub); err != nil {
			t.Errorf("cosign cannot load the public key: %v", err)
		}
	})

	t.Run("each_call_makes_a_new_key", func(t *testing.T) {
		_, pub2, err := signature.GenerateKeys(password)
		if err != nil {
			t.Fatal(err)
		}
		if string(pub2) == string(pub) {
			t.Error("two calls returned the same key")
		}
	})
}

func TestLoadSigner(t *testing.T) {
	password := []byte("correct horse battery staple")
	priv, pub, err := signature.GenerateKeys(password)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		key      []byte
		password []byte
		wantErr  error // nil: success; errAny: any error
	}{
		{name: "right_password_loads", key: priv, password: password},
		{name: "wrong_password_is_refused", key: priv, password: []byte("hunter2"), wantErr: signature.ErrWrongPassword},
		{name: "empty_password_is_refused", key: priv, password: nil, wantErr: signature.ErrWrongPassword},
		{name: "public_key_is_not_a_signing_key", key: pub, password: password, wantErr: errAny},
		{name: "non_pem_is_refused", key: []byte("not a key"), password: password, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := signature.LoadSigner(tt.key, tt.password)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("LoadSigner: %v", err)
			case tt.wantErr == nil && s == nil:
				t.Fatal("LoadSigner returned a nil Signer")
			case tt.wantErr == errAny && err == nil,
				tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("LoadSigner error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				assertNoSecret(t, err, tt.password, tt.key)
			}
		})
	}
}

func TestLoadVerifier(t *testing.T) {
	priv, pub, err := signature.GenerateKeys([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signature.LoadVerifier(pub); err != nil {
		t.Errorf("public key: %v", err)
	}
	for name, key := range map[string][]byte{"private_key": priv, "garbage": []byte("garbage")} {
		t.Run(name+"_is_refused", func(t *testing.T) {
			if _, err := signature.LoadVerifier(key); err == nil {
				t.Error("LoadVerifier succeeded")
			}
		})
	}
}

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")

// assertNoSecret fails if err's message contains the password or the key's
// PEM body.
func assertNoSecret(t *testing.T, err error, password, key []byte) {
	t.Helper()
	msg := err.Error()
	if len(password) > 0 && strings.Contains(msg, string(password)) {
		t.Errorf("error %q contains the password", msg)
	}
	// The first base64 line of a PEM file is enough to spot it.
	if lines := strings.Split(string(key), "\n"); len(lines) > 1 && len(lines[1]) >= 32 &&
		strings.Contains(msg, lines[1][:32]) {
		t.Errorf("error %q contains the key", msg)
	}
}
