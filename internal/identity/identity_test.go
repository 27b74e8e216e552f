package identity_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/internal/identity/sshtest"
)

var now = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

func statement(person string) identity.Statement {
	return identity.New("signoff", "shop", "release/shop/v1.2.0", "run-1", person,
		[]identity.Term{{Key: "env", Value: "prod"}, {Key: "verdict", Value: "green"}, {Key: "reason", Value: ""}}, now, identity.TTL)
}

func expect(person string) identity.Expect {
	return identity.Expect{Action: "signoff", Product: "shop", Workflow: "release/shop/v1.2.0", Run: "run-1", Person: person,
		Terms: []identity.Term{{Key: "env", Value: "prod"}, {Key: "verdict", Value: "green"}}, Now: now.Add(time.Minute)}
}

// TestVerify signs with the real ssh-keygen and through a real ssh-agent,
// and forges every way the issue lists.
func TestVerify(t *testing.T) {
	sshtest.Require(t)
	dir := t.TempDir()
	sam := sshtest.NewKey(t, dir, "sam")
	quinn := sshtest.NewKey(t, dir, "quinn")
	stranger := sshtest.NewKey(t, dir, "stranger")
	used := map[string]bool{}
	v := identity.Verifier{
		Keys: map[string][]string{"sam": {sam.Public}, "quinn": {quinn.Public}},
		Used: func(n string) bool { return used[n] },
	}
	keygen := func(k sshtest.Key, s identity.Statement, namespace string) *identity.Proof {
		return &identity.Proof{Statement: string(s.Format()), Signature: sshtest.KeygenSign(t, k, s.Format(), namespace)}
	}

	t.Run("ssh-keygen_signature_is_accepted", func(t *testing.T) {
		got, err := v.Verify(keygen(sam, statement("sam"), "signalman"), expect("sam"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Person != "sam" || got.Key != identity.Fingerprint(sam.Public) || got.Bridge != "" {
			t.Errorf("signed by %+v, want sam's key %s", got, identity.Fingerprint(sam.Public))
		}
	})

	t.Run("agent_signature_is_accepted_and_ssh-keygen_verifies_it", func(t *testing.T) {
		sshtest.StartAgent(t, dir, sam)
		signer, closeAgent, err := identity.Signer(sam.Path + ".pub")
		if err != nil {
			t.Fatal(err)
		}
		defer closeAgent()
		s := statement("sam")
		p, err := identity.Sign(s, signer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(p, expect("sam")); err != nil {
			t.Fatal(err)
		}
		signers := filepath.Join(dir, "allowed_signers")
		if err := os.WriteFile(signers, identity.AllowedSigners([]string{"sam"}, v.Keys), 0o644); err != nil {
			t.Fatal(err)
		}
		sshtest.KeygenVerify(t, signers, "sam", []byte(p.Statement), p.Signature)
	})

	forged := []struct {
		name  string
		proof *identity.Proof
		exp   identity.Expect
		want  string
	}{
		{"unsigned", nil, expect("sam"), "not signed"},
		{"unlisted_key", keygen(stranger, statement("sam"), "signalman"), expect("sam"), "not one of sam's keys"},
		{"another_persons_key", keygen(quinn, statement("sam"), "signalman"), expect("sam"), "signed with quinn's key"},
		{"wrong_namespace", keygen(sam, statement("sam"), "git"), expect("sam"), `namespace "git"`},
		{"another_release", keygen(sam, statement("sam"), "signalman"), func() identity.Expect {
			e := expect("sam")
			e.Workflow = "release/shop/v1.3.0"
			return e
		}(), `for workflow "release/shop/v1.2.0", not "release/shop/v1.3.0"`},
		{"another_run", keygen(sam, statement("sam"), "signalman"), func() identity.Expect {
			e := expect("sam")
			e.Run = "run-2"
			return e
		}(), `run "run-1"`},
		{"another_action", keygen(sam, statement("sam"), "signalman"), func() identity.Expect {
			e := expect("sam")
			e.Action = "abort"
			return e
		}(), `action "signoff", not "abort"`},
		{"another_verdict", keygen(sam, statement("sam"), "signalman"), func() identity.Expect {
			e := expect("sam")
			e.Terms[1].Value = "red"
			return e
		}(), `verdict="green"`},
		{"expired", keygen(sam, statement("sam"), "signalman"), func() identity.Expect {
			e := expect("sam")
			e.Now = now.Add(identity.TTL)
			return e
		}(), "expired"},
		{"tampered_statement", func() *identity.Proof {
			p := keygen(sam, statement("sam"), "signalman")
			p.Statement = strings.Replace(p.Statement, "green", "grey!", 1)
			return p
		}(), expect("sam"), "does not match"},
	}
	for _, f := range forged {
		t.Run("refused/"+f.name, func(t *testing.T) {
			_, err := v.Verify(f.proof, f.exp)
			if err == nil || !strings.Contains(err.Error(), f.want) {
				t.Errorf("got %v, want a refusal saying %q", err, f.want)
			}
		})
	}

	t.Run("refused/replayed", func(t *testing.T) {
		p := keygen(sam, statement("sam"), "signalman")
		got, err := v.Verify(p, expect("sam"))
		if err != nil {
			t.Fatal(err)
		}
		used[got.Nonce] = true
		if _, err := v.Verify(p, expect("sam")); err == nil || !strings.Contains(err.Error(), "already used") {
			t.Errorf("a replay: %v, want refused as already used", err)
		}
	})

	t.Run("bridge_signs_only_for_mapped_people", func(t *testing.T) {
		bridge := sshtest.NewKey(t, dir, "bridge")
		bv := v
		bv.Bridges = []identity.Bridge{{Name: "slack", Key: bridge.Public, For: []string{"sam"}}}
		got, err := bv.Verify(keygen(bridge, statement("sam"), "signalman"), expect("sam"))
		if err != nil || got.Bridge != "slack" {
			t.Fatalf("bridge for sam: %+v, %v; want accepted via slack", got, err)
		}
		if _, err := bv.Verify(keygen(bridge, statement("quinn"), "signalman"), expect("quinn")); err == nil || !strings.Contains(err.Error(), "not mapped") {
			t.Errorf("bridge for an unmapped person: %v, want refused", err)
		}
	})
}

func TestParseRoundTrip(t *testing.T) {
	s := statement("sam")
	got, err := identity.Parse(s.Format())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Format(), s.Format()) {
		t.Errorf("round trip:\n%s\nbecame\n%s", s.Format(), got.Format())
	}
	for _, bad := range []string{
		"",
		"signalman request v1\naction: signoff\n",
		strings.Replace(string(s.Format()), "action: signoff\nproduct: shop", "product: shop\naction: signoff", 1),
		strings.Replace(string(s.Format()), "nonce:", "nonce: x\nnonce:", 1),
		strings.TrimSuffix(string(s.Format()), "\n"),
		strings.Replace(string(s.Format()), "Z\n", "+01:00\n", 1),
	} {
		if _, err := identity.Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

func TestParseAllowedSigners(t *testing.T) {
	sshtest.Require(t)
	dir := t.TempDir()
	sam, quinn := sshtest.NewKey(t, dir, "sam"), sshtest.NewKey(t, dir, "quinn")
	file := "# the team\nsam " + sam.Public + " sam@laptop\nquinn,sam namespaces=\"git,signalman\" " + quinn.Public + "\nsam namespaces=\"git\" " + quinn.Public + "\n"
	keys, err := identity.ParseAllowedSigners("allowed_signers", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys["sam"]) != 2 || len(keys["quinn"]) != 1 || keys["quinn"][0] != quinn.Public {
		t.Errorf("keys %v: want sam with two keys and quinn with one (the git-only line left out)", keys)
	}
	if _, err := identity.ParseAllowedSigners("allowed_signers", []byte("sam cert-authority "+sam.Public+"\n")); err == nil || !strings.Contains(err.Error(), "allowed_signers:1") {
		t.Errorf("a cert-authority line: %v, want refused with its line", err)
	}
}

func TestKeyFileWithPassphraseIsNotRead(t *testing.T) {
	sshtest.Require(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "locked")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "secret words", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	if _, _, err := identity.Signer(path); err == nil || !strings.Contains(err.Error(), "ssh-add") {
		t.Errorf("a key with a passphrase: %v, want a pointer to ssh-agent", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(statement("sam").Format())
	f.Add([]byte("signalman request v1\naction: abort\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := identity.Parse(b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Format(), b) {
			t.Fatalf("Parse accepted %q, which formats as %q", b, s.Format())
		}
	})
}
