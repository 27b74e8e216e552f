package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/signalman/signalman/internal/identity"
)

// How a request's person is known (Pipeline.Auth).
const (
	// AuthSigned accepts a person's request only signed with one of the
	// person's SSH keys listed in the file.
	AuthSigned = "signed"
	// AuthClaimed believes the name a request gives. A file must ask for
	// it: anyone who reaches the Temporal frontend can then act as anyone.
	AuthClaimed = "claimed"
)

// Person is someone who acts on releases.
type Person struct {
	// SSHKeys are the person's public keys in authorized_keys form
	// ("ssh-ed25519 AAAA... comment").
	SSHKeys []string `yaml:"ssh_keys" json:"sshKeys"`
}

// Signed reports whether requests must be signed.
func (p Pipeline) Signed() bool { return p.Auth == AuthSigned }

// Keys returns every person's public keys, by name.
func (p Pipeline) Keys() map[string][]string {
	keys := map[string][]string{}
	for name, person := range p.People {
		keys[name] = person.SSHKeys
	}
	return keys
}

// Bridges returns the keys that may sign for people: the Slack endpoint's.
func (p Pipeline) Bridges() []identity.Bridge {
	s := p.Notifications.Slack
	if s == nil || s.BridgeKey == "" {
		return nil
	}
	var people []string
	for _, person := range s.Users {
		people = append(people, person)
	}
	slices.Sort(people)
	return []identity.Bridge{{Name: "slack", Key: s.BridgeKey, For: people}}
}

// namesPeople reports whether the file names anyone a gate or a
// permission counts: approvers, release managers, Slack users.
func (p Pipeline) namesPeople() bool {
	for _, people := range p.Approvers {
		if len(people) > 0 {
			return true
		}
	}
	return len(p.Release.Managers) > 0 || (p.Notifications.Slack != nil && len(p.Notifications.Slack.Users) > 0)
}

func (p Pipeline) hasKeys() bool {
	for _, person := range p.People {
		if len(person.SSHKeys) > 0 {
			return true
		}
	}
	return false
}

func (p *Pipeline) validatePeople(ps *problems) {
	switch p.Auth {
	case AuthSigned:
		if !p.hasKeys() && p.AllowedSigners == "" {
			ps.add("auth", "is signed, but no person has an SSH key: list them under people (people: sam: ssh_keys: [\"ssh-ed25519 AAAA...\"]) or in an allowed_signers file")
		}
	case AuthClaimed:
	case "":
		// setDefaults made it signed where keys are listed, and claimed
		// where the file names no one, so here people are named and
		// nothing says how they are known: point at where they are named.
		at := "approvers"
		switch {
		case len(p.Approvers) > 0:
		case len(p.Release.Managers) > 0:
			at = "release.managers"
		default:
			at = "notifications.slack.users"
		}
		ps.add(at, "names people, but no person has an SSH key and auth is not set: list each person's keys (people: sam: ssh_keys: [\"ssh-ed25519 AAAA...\"], or allowed_signers: FILE) so every request is signed, or write auth: claimed to believe whatever name a request gives")
	default:
		ps.add("auth", "%q is not signed or claimed", p.Auth)
	}
	for _, name := range slices.Sorted(maps.Keys(p.People)) {
		path := child("people", name)
		if !validName(name) {
			ps.add(path, "%s", badName(name))
		}
		for i, k := range p.People[name].SSHKeys {
			if identity.Fingerprint(k) == "" {
				ps.add(item(path+".ssh_keys", i), "is not an SSH public key (want one line such as \"ssh-ed25519 AAAA... sam@laptop\", as ~/.ssh/id_ed25519.pub holds)")
			}
		}
	}
	if s := p.Notifications.Slack; s != nil && s.BridgeKey != "" {
		if identity.Fingerprint(s.BridgeKey) == "" {
			ps.add("notifications.slack.bridge_key", "is not an SSH public key (want one line such as \"ssh-ed25519 AAAA... slack-bridge\")")
		}
	}
}

// readAllowedSigners adds the keys of the allowed_signers file, relative
// to dir, to People.
func (p *Pipeline) readAllowedSigners(name, dir string) error {
	if p.AllowedSigners == "" {
		return nil
	}
	path := p.AllowedSigners
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s: allowed_signers: %w", name, err)
	}
	keys, err := identity.ParseAllowedSigners(path, b)
	if err != nil {
		return fmt.Errorf("%s: allowed_signers: %w", name, err)
	}
	if p.People == nil {
		p.People = map[string]Person{}
	}
	for who, ks := range keys {
		person := p.People[who]
		for _, k := range ks {
			if !slices.ContainsFunc(person.SSHKeys, func(have string) bool { return identity.Fingerprint(have) == identity.Fingerprint(k) }) {
				person.SSHKeys = append(person.SSHKeys, k)
			}
		}
		p.People[who] = person
	}
	if p.Signed() && !p.hasKeys() {
		return fmt.Errorf("%s: allowed_signers: %s lists no key for the signalman namespace", name, path)
	}
	return nil
}
