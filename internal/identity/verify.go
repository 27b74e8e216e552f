package identity

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Limits a statement is checked against.
const (
	// TTL is how long a statement the CLI makes is good for.
	TTL = 10 * time.Minute
	// MaxValidity is the longest a statement may be good for, however it
	// was made: a signature is for now, not a standing permission.
	MaxValidity = time.Hour
	// Skew is how far in the future a statement may say it was issued,
	// for a signer's clock ahead of the workflow's.
	Skew = 2 * time.Minute
)

// Proof is a signed statement as a request carries it. It holds nothing
// secret: the statement and a signature anyone can verify.
type Proof struct {
	// Statement is the canonical statement text that was signed.
	Statement string `json:"statement"`
	// Signature is the armored SSHSIG ("-----BEGIN SSH SIGNATURE-----").
	Signature string `json:"signature"`
}

// Signed says who signed an accepted statement, for the audit record.
type Signed struct {
	// Person is who the statement speaks for.
	Person string `json:"person"`
	// Key is the SHA256 fingerprint of the key that signed.
	Key string `json:"key"`
	// Bridge is set when a bridge (the Slack endpoint) signed for Person.
	Bridge string `json:"bridge,omitempty"`
	// Nonce is the statement's nonce, so it is used once.
	Nonce string `json:"nonce"`
	// Expires is when the statement stops being usable.
	Expires time.Time `json:"expires"`
}

// Bridge is a key that may sign for some people: the Slack endpoint, after
// Slack's own signature showed which Slack user clicked.
type Bridge struct {
	// Name is what the audit calls it: slack.
	Name string
	// Key is its public key, in authorized_keys form.
	Key string
	// For lists the people it may speak for.
	For []string
}

// Expect is what the receiving workflow knows of a request: the statement
// must say exactly this.
type Expect struct {
	Action, Product, Workflow, Run, Person string
	Terms                                  []Term
	// Now is the workflow's time.
	Now time.Time
}

// Verifier checks proofs against the people's keys.
type Verifier struct {
	// Keys are each person's public keys in authorized_keys form.
	Keys map[string][]string
	// Bridges may sign for the people they list.
	Bridges []Bridge
	// Used reports whether a nonce was already accepted.
	Used func(nonce string) bool
}

// Verify checks a proof: a valid SSHSIG in the signalman namespace, by a
// key of the person it speaks for (or a bridge allowed to), over a
// statement that says exactly what e expects, not expired and not used.
func (v Verifier) Verify(p *Proof, e Expect) (Signed, error) {
	if p == nil || p.Statement == "" || p.Signature == "" {
		return Signed{}, fmt.Errorf("the request is not signed, and this pipeline accepts only signed requests (auth: signed); send it with the signalman CLI, which signs with your SSH key")
	}
	sig, err := sshsig.Unarmor([]byte(p.Signature))
	if err != nil {
		return Signed{}, fmt.Errorf("the request's signature is not an SSH signature: %v", err)
	}
	if sig.Namespace != Namespace {
		return Signed{}, fmt.Errorf("the request is signed for namespace %q, not %q: sign with `ssh-keygen -Y sign -n %s`", sig.Namespace, Namespace, Namespace)
	}
	s, err := Parse([]byte(p.Statement))
	if err != nil {
		return Signed{}, fmt.Errorf("the signed statement: %v", err)
	}
	fp := ssh.FingerprintSHA256(sig.PublicKey)
	bridge, err := v.signer(fp, s.Person)
	if err != nil {
		return Signed{}, err
	}
	if err := sshsig.Verify(bytes.NewReader([]byte(p.Statement)), sig, sig.PublicKey, sig.HashAlgorithm, Namespace); err != nil {
		return Signed{}, fmt.Errorf("the signature by key %s does not match the statement: %v", fp, err)
	}
	if err := s.matches(e); err != nil {
		return Signed{}, err
	}
	if v.Used != nil && v.Used(s.Nonce) {
		return Signed{}, fmt.Errorf("this signed statement (nonce %s) was already used: a signed request counts once, sign a new one", s.Nonce)
	}
	return Signed{Person: s.Person, Key: fp, Bridge: bridge, Nonce: s.Nonce, Expires: s.Expires}, nil
}

// signer finds whose key fp is: the person's own, or a bridge's that may
// speak for the person. It returns the bridge's name, if one signed.
func (v Verifier) signer(fp, person string) (string, error) {
	if slices.ContainsFunc(v.Keys[person], func(k string) bool { return Fingerprint(k) == fp }) {
		return "", nil
	}
	for _, b := range v.Bridges {
		if Fingerprint(b.Key) != fp {
			continue
		}
		if !slices.Contains(b.For, person) {
			return "", fmt.Errorf("the %s bridge signed for %s, who is not mapped to a %s user in the pipeline file", b.Name, person, b.Name)
		}
		return b.Name, nil
	}
	var owners []string
	for name, keys := range v.Keys {
		if slices.ContainsFunc(keys, func(k string) bool { return Fingerprint(k) == fp }) {
			owners = append(owners, name)
		}
	}
	if len(owners) > 0 {
		slices.Sort(owners)
		return "", fmt.Errorf("the request speaks for %s but is signed with %s's key %s", person, strings.Join(owners, " and "), fp)
	}
	if len(v.Keys[person]) == 0 {
		return "", fmt.Errorf("%s has no SSH key in the pipeline file (people: %s: ssh_keys), so no request of theirs can be verified", person, person)
	}
	return "", fmt.Errorf("the request is signed with key %s, which is not one of %s's keys in the pipeline file", fp, person)
}

// matches compares the statement with what the workflow expects.
func (s Statement) matches(e Expect) error {
	for _, f := range []struct{ name, got, want string }{
		{"action", s.Action, e.Action},
		{"product", s.Product, e.Product},
		{"workflow", s.Workflow, e.Workflow},
		{"person", s.Person, e.Person},
	} {
		if f.got != f.want {
			return fmt.Errorf("the signed statement is for %s %q, not %q", f.name, f.got, f.want)
		}
	}
	if e.Run != "" && s.Run != e.Run {
		return fmt.Errorf("the signed statement is for run %q of %s, not the running %q", s.Run, e.Workflow, e.Run)
	}
	want := nonEmpty(e.Terms)
	if !slices.Equal(s.Terms, want) {
		return fmt.Errorf("the signed statement says %s, but the request says %s", terms(s.Terms), terms(want))
	}
	switch {
	case !e.Now.Before(s.Expires):
		return fmt.Errorf("the signed statement expired at %s (it is %s): sign the request again", s.Expires.UTC().Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
	case s.Issued.After(e.Now.Add(Skew)):
		return fmt.Errorf("the signed statement is issued at %s, in the future (it is %s): check the signer's clock", s.Issued.UTC().Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
	case s.Expires.Sub(s.Issued) > MaxValidity:
		return fmt.Errorf("the signed statement is good for %s, more than the %s allowed", s.Expires.Sub(s.Issued), MaxValidity)
	}
	return nil
}

// nonEmpty drops terms without a value: a statement leaves them out.
func nonEmpty(ts []Term) []Term {
	var out []Term
	for _, t := range ts {
		if t.Value != "" {
			out = append(out, t)
		}
	}
	return out
}

func terms(ts []Term) string {
	if len(ts) == 0 {
		return "nothing more"
	}
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s=%q", t.Key, t.Value))
	}
	return strings.Join(parts, " ")
}

// Fingerprint is the SHA256 fingerprint of a public key in authorized_keys
// form, or "" if it is not one.
func Fingerprint(authorized string) string {
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		return ""
	}
	return ssh.FingerprintSHA256(k)
}
