package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// demoPeople are the people of the example pipeline the demo acts as.
var demoPeople = []string{"rita", "quinn", "sam", "sasha"}

// signAsPeople gives each demo person an SSH key, lists the public halves
// in the pipeline (so every request must be signed, auth: signed) and
// returns a signer that signs each statement with the key of the person
// it speaks for. The private keys are written to dir, so the CLI can sign
// as them too (--key dir/sam).
func signAsPeople(p *config.Pipeline, dir string) (control.Signer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	signers := map[string]ssh.Signer{}
	p.People = map[string]config.Person{}
	for _, who := range demoPeople {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		s, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			return nil, err
		}
		block, err := ssh.MarshalPrivateKey(priv, who+"@demo")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, who), pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
		pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
		if err := os.WriteFile(filepath.Join(dir, who+".pub"), []byte(pub+" "+who+"@demo\n"), 0o644); err != nil {
			return nil, err
		}
		signers[who] = s
		p.People[who] = config.Person{SSHKeys: []string{pub}}
	}
	p.Auth = config.AuthSigned
	return func(st identity.Statement) (*identity.Proof, error) {
		s, ok := signers[st.Person]
		if !ok {
			return nil, fmt.Errorf("the demo has no key for %s", st.Person)
		}
		return identity.Sign(st, s)
	}, nil
}

// approvals prints who signed what in a release, with their keys.
func approvals(out io.Writer, st workflows.Status) {
	if st.StartAuth != nil {
		fmt.Fprintf(out, "  started by %s, signed with %s\n", st.TriggeredBy, st.StartAuth.Key)
	}
	for _, s := range st.Signoffs {
		if s.Auth != nil {
			fmt.Fprintf(out, "  %s signoff on %s: %s by %s, signed with %s\n", s.Role, s.Env, s.Verdict, s.Person, s.Auth.Key)
		}
	}
	if e := st.Exception; e != nil && e.Auth != nil {
		fmt.Fprintf(out, "  window exception by %s, signed with %s\n", e.Person, e.Auth.Key)
	}
}
