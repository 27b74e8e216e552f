package contract

import (
	"fmt"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/version"
)

// ReadEnvName reads an environment's record (what runs there, who holds
// it) without claiming it.
const ReadEnvName = "ReadEnvironment"

// ReadEnvRequest names the record to read.
type ReadEnvRequest struct {
	Product string `json:"product"`
	Env     string `json:"env"`
}

// Changes of one service (ServiceChange.Change).
const (
	ChangeNew       = "new"       // nothing of it runs there yet
	ChangeUpdate    = "update"    // a newer version replaces the one running
	ChangeSame      = "same"      // that digest runs there already
	ChangeDowngrade = "downgrade" // an older version than the one running
)

// ServiceChange is what a release changes of one service in one environment.
type ServiceChange struct {
	Service    string `json:"service"`
	Change     string `json:"change"`
	From       string `json:"from,omitempty"`
	FromDigest string `json:"fromDigest,omitempty"`
	To         string `json:"to"`
	ToDigest   string `json:"toDigest"`
}

// Preview is what a release will change in an environment, as a person
// signing for it sees it: each service from the version and digest that
// runs there to the new ones, the migrations that run first, and the
// commits and pull requests in between, grouped as in the release notes.
type Preview struct {
	Product    string          `json:"product"`
	Version    string          `json:"version"`
	Env        string          `json:"env"`
	Services   []ServiceChange `json:"services"`
	Migrations []string        `json:"migrations,omitempty"`
	// Since is the version the changes are counted from: the oldest one
	// running there (empty when nothing runs there yet).
	Since string `json:"since,omitempty"`
	// Notes are the grouped commits and pull requests since Since, in
	// Markdown; Commits counts the commits.
	Notes   string    `json:"notes,omitempty"`
	Commits int       `json:"commits"`
	At      time.Time `json:"at"`
}

// Changes compares what runs in an environment (running, by service) with
// a release's artifacts, in the order of services.
func Changes(running map[string]Running, version string, arts []Artifact, services []string) []ServiceChange {
	var out []ServiceChange
	for _, name := range services {
		var art Artifact
		for _, a := range arts {
			if a.Service == name {
				art = a
			}
		}
		c := ServiceChange{Service: name, Change: ChangeNew, To: version, ToDigest: art.Digest}
		if r, ok := running[name]; ok {
			c.From, c.FromDigest = r.Version, r.Artifact.Digest
			c.Change = changeOf(r, version, art.Digest)
		}
		out = append(out, c)
	}
	return out
}

func changeOf(r Running, to, digest string) string {
	if r.Artifact.Digest == digest {
		return ChangeSame
	}
	from, ferr := version.Parse(r.Version)
	next, nerr := version.Parse(to)
	if ferr == nil && nerr == nil && next.Less(from) {
		return ChangeDowngrade
	}
	return ChangeUpdate
}

// Oldest is the oldest version among changes' From (what the commits are
// counted from), or "" when none runs.
func Oldest(changes []ServiceChange) string {
	oldest := ""
	var best version.Version
	for _, c := range changes {
		v, err := version.Parse(c.From)
		if err != nil {
			continue
		}
		if oldest == "" || v.Less(best) {
			oldest, best = c.From, v
		}
	}
	return oldest
}

// Summary says in one line what the preview changes, such as "2 services
// change (api v1.100.0 -> v1.101.0, web new), 1 migration, 5 commits
// since v1.100.0".
func (p Preview) Summary() string {
	var moved []string
	for _, s := range p.Services {
		switch s.Change {
		case ChangeNew:
			moved = append(moved, s.Service+" new")
		case ChangeUpdate, ChangeDowngrade:
			moved = append(moved, fmt.Sprintf("%s %s -> %s", s.Service, s.From, s.To))
		}
	}
	out := "no service changes"
	if len(moved) > 0 {
		out = fmt.Sprintf("%d service(s) change (%s)", len(moved), strings.Join(moved, ", "))
	}
	if n := len(p.Migrations); n > 0 {
		out += fmt.Sprintf(", %d migration(s)", n)
	}
	if p.Since != "" {
		out += fmt.Sprintf(", %d commit(s) since %s", p.Commits, p.Since)
	}
	return out
}

// Text is the whole preview, for a terminal, Slack or the Temporal UI.
func (p Preview) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s on %s: %s\n", p.Product, p.Version, p.Env, p.Summary())
	for _, s := range p.Services {
		switch s.Change {
		case ChangeNew:
			fmt.Fprintf(&b, "  %-16s new          -> %s %s\n", s.Service, s.To, short(s.ToDigest))
		case ChangeSame:
			fmt.Fprintf(&b, "  %-16s unchanged    %s %s\n", s.Service, s.From, short(s.FromDigest))
		default:
			fmt.Fprintf(&b, "  %-16s %-12s %s %s -> %s %s\n", s.Service, s.Change, s.From, short(s.FromDigest), s.To, short(s.ToDigest))
		}
	}
	for _, m := range p.Migrations {
		fmt.Fprintf(&b, "  migration %s\n", m)
	}
	if p.Notes != "" {
		b.WriteString("\n" + strings.TrimSpace(p.Notes) + "\n")
	}
	return b.String()
}

// short is a digest's first twelve hex digits.
func short(digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}
