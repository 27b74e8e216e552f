package identity

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// New makes a statement issued at now, good for ttl, with a fresh nonce.
func New(action, product, workflow, run, person string, terms []Term, now time.Time, ttl time.Duration) Statement {
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		panic(err) // crypto/rand does not fail on a working system
	}
	now = now.UTC().Truncate(time.Second)
	return Statement{
		Action: action, Product: product, Workflow: workflow, Run: run, Person: person,
		Terms: nonEmpty(terms), Issued: now, Expires: now.Add(ttl), Nonce: hex.EncodeToString(n[:]),
	}
}

// Sign signs a statement, as `ssh-keygen -Y sign -n signalman` would.
func Sign(s Statement, signer ssh.Signer) (*Proof, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	msg := s.Format()
	sig, err := sshsig.Sign(bytes.NewReader(msg), signer, sshsig.HashSHA512, Namespace)
	if err != nil {
		return nil, fmt.Errorf("sign the %s request with key %s: %w", s.Action, ssh.FingerprintSHA256(signer.PublicKey()), err)
	}
	return &Proof{Statement: string(msg), Signature: string(sshsig.Armor(sig))}, nil
}

// Signer finds the key to sign with, never asking for or keeping a
// private key itself:
//   - key "" signs with the first key of the running ssh-agent;
//   - a public key file (KEY.pub) picks that key from the ssh-agent;
//   - a private key file without a passphrase signs with it directly.
//
// close releases the agent connection.
func Signer(key string) (signer ssh.Signer, close func(), err error) {
	if key == "" || strings.HasSuffix(key, ".pub") {
		return agentSigner(key)
	}
	b, err := os.ReadFile(key)
	if err != nil {
		return nil, nil, fmt.Errorf("read key %s: %w", key, err)
	}
	s, err := ssh.ParsePrivateKey(b)
	var pass *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &pass):
		return nil, nil, fmt.Errorf("key %s has a passphrase: add it to your ssh-agent (ssh-add %s) and pass --key %s.pub, so Signalman never handles the passphrase", key, key, key)
	case err != nil:
		if _, _, _, _, perr := ssh.ParseAuthorizedKey(b); perr == nil {
			return agentSigner(key)
		}
		return nil, nil, fmt.Errorf("key %s is not an SSH private key: %w", key, err)
	}
	return s, func() {}, nil
}

// agentSigner signs through the ssh-agent at SSH_AUTH_SOCK, with the key
// whose public half is in pub (or the agent's first key).
func agentSigner(pub string) (ssh.Signer, func(), error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, nil, fmt.Errorf("no ssh-agent (SSH_AUTH_SOCK is not set) and no --key: start ssh-agent and ssh-add your key, or pass --key with a key file")
	}
	var want ssh.PublicKey
	if pub != "" {
		b, err := os.ReadFile(pub)
		if err != nil {
			return nil, nil, fmt.Errorf("read public key %s: %w", pub, err)
		}
		if want, _, _, _, err = ssh.ParseAuthorizedKey(b); err != nil {
			return nil, nil, fmt.Errorf("public key %s: %w", pub, err)
		}
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, nil, fmt.Errorf("reach the ssh-agent at SSH_AUTH_SOCK: %w", err)
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("list the ssh-agent's keys: %w", err)
	}
	for _, s := range signers {
		if want == nil || bytes.Equal(s.PublicKey().Marshal(), want.Marshal()) {
			return s, func() { conn.Close() }, nil
		}
	}
	conn.Close()
	if want != nil {
		return nil, nil, fmt.Errorf("the ssh-agent does not hold the key %s (%s): ssh-add it", pub, ssh.FingerprintSHA256(want))
	}
	return nil, nil, fmt.Errorf("the ssh-agent holds no key: ssh-add yours")
}
