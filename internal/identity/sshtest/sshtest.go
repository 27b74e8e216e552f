// Package sshtest drives the real OpenSSH tools for tests: ssh-keygen makes
// keys, signs and verifies, ssh-agent holds keys as a person's would.
package sshtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Require skips a test when OpenSSH's tools are missing, unless
// SIGNALMAN_REQUIRE_SSH is set (CI installs them and sets it).
func Require(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ssh-keygen", "ssh-agent", "ssh-add"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SIGNALMAN_REQUIRE_SSH") != "" {
				t.Fatalf("%s is required (SIGNALMAN_REQUIRE_SSH is set): %v", tool, err)
			}
			t.Skipf("%s is not installed (Debian: openssh-client)", tool)
		}
	}
}

// Key is a key pair ssh-keygen made: the private key file at Path, its
// public half in authorized_keys form.
type Key struct {
	Path   string
	Public string
}

// NewKey makes an ed25519 key without a passphrase in dir.
func NewKey(t testing.TB, dir, name string) Key {
	t.Helper()
	path := filepath.Join(dir, name)
	run(t, nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path)
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	// Without the comment: the form a pipeline file lists.
	f := strings.Fields(string(pub))
	return Key{Path: path, Public: f[0] + " " + f[1]}
}

// KeygenSign signs msg with `ssh-keygen -Y sign` and returns the armored
// signature.
func KeygenSign(t testing.TB, k Key, msg []byte, namespace string) string {
	t.Helper()
	return run(t, msg, "ssh-keygen", "-q", "-Y", "sign", "-f", k.Path, "-n", namespace)
}

// KeygenVerify checks a signature with `ssh-keygen -Y verify`, failing the
// test if ssh-keygen does not accept it.
func KeygenVerify(t testing.TB, allowedSigners, person string, msg []byte, sig string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "sig")
	if err := os.WriteFile(f, []byte(sig), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, msg, "ssh-keygen", "-Y", "verify", "-f", allowedSigners, "-I", person, "-n", "signalman", "-s", f)
}

// StartAgent starts a real ssh-agent holding the keys, points
// SSH_AUTH_SOCK at it for the test, and stops it when the test ends.
func StartAgent(t testing.TB, dir string, keys ...Key) string {
	t.Helper()
	sock := filepath.Join(dir, fmt.Sprintf("agent-%d.sock", time.Now().UnixNano()))
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatalf("start ssh-agent: %v", err)
	}
	t.Cleanup(func() {
		agent.Process.Kill()
		agent.Wait()
	})
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i > 100 {
			t.Fatalf("ssh-agent made no socket at %s", sock)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Setenv("SSH_AUTH_SOCK", sock)
	for _, k := range keys {
		run(t, nil, "ssh-add", "-q", k.Path)
	}
	return sock
}

func run(t testing.TB, stdin []byte, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// Fingerprint is the key's SHA256 fingerprint, as ssh-keygen -l prints it.
func Fingerprint(t testing.TB, k Key) string {
	t.Helper()
	f := strings.Fields(run(t, nil, "ssh-keygen", "-l", "-E", "sha256", "-f", k.Path+".pub"))
	if len(f) < 2 {
		t.Fatalf("ssh-keygen -l printed %q", f)
	}
	return f[1]
}
