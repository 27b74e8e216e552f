package identity

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// ParseAllowedSigners reads a file in git's and ssh-keygen's
// allowed_signers format ("PRINCIPALS [OPTIONS] KEYTYPE KEY [COMMENT]" a
// line) into each person's keys. A key limited to other namespaces
// (namespaces="git") is left out; certificate authorities are refused, as
// Signalman verifies plain keys only. name is for errors.
func ParseAllowedSigners(name string, b []byte) (map[string][]string, error) {
	keys := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		principals, rest, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"PRINCIPALS KEYTYPE KEY\", got %q", name, n, line)
		}
		pub, _, options, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: the key of %s: %v", name, n, principals, err)
		}
		use := true
		for _, o := range options {
			k, v, _ := strings.Cut(o, "=")
			switch strings.ToLower(k) {
			case "cert-authority":
				return nil, fmt.Errorf("%s:%d: cert-authority keys are not supported: list each person's own key", name, n)
			case "namespaces":
				use = slices.Contains(strings.Split(strings.Trim(v, `"`), ","), Namespace)
			}
		}
		if !use {
			continue
		}
		authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
		for _, p := range strings.Split(principals, ",") {
			if p == "" || strings.ContainsAny(p, "*?!") {
				return nil, fmt.Errorf("%s:%d: principal %q: name each person, patterns are not supported", name, n, p)
			}
			if !slices.Contains(keys[p], authorized) {
				keys[p] = append(keys[p], authorized)
			}
		}
	}
	return keys, sc.Err()
}

// AllowedSigners writes people's keys in allowed_signers form, each key
// limited to the signalman namespace, people in the order given.
func AllowedSigners(people []string, keys map[string][]string) []byte {
	var b bytes.Buffer
	for _, p := range people {
		for _, k := range keys[p] {
			fmt.Fprintf(&b, "%s namespaces=%q %s\n", p, Namespace, k)
		}
	}
	return b.Bytes()
}
