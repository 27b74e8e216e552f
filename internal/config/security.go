package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Security holds what a release must pass besides its tests.
type Security struct {
	// Vulnerabilities is the vulnerability gate; left out, images are not
	// checked for known vulnerabilities.
	Vulnerabilities *Vulnerabilities `yaml:"vulnerabilities" json:"vulnerabilities,omitempty"`
}

// Vulnerabilities is the vulnerability gate: after the build, and again
// before each production environment, every image is checked against a
// database of OSV records the team keeps in sync offline. A Go binary is
// judged by the symbols it reaches; every other package the image's SBOM
// lists, by its version.
type Vulnerabilities struct {
	// Database is the directory of OSV records, on the sign worker: the
	// Go vulnerability database's layout (vuln.go.dev's vulndb.zip,
	// unpacked) or a flat directory of OSV JSON files (osv.dev's
	// all.zip of an ecosystem). Relative to the pipeline file.
	Database string `yaml:"database" json:"database"`
	// Block is the least severity that stops a release: low, medium,
	// high (the default) or critical. A record that gives no severity
	// counts as high.
	Block string `yaml:"block" json:"block,omitempty"`
	// Ignore lists vulnerabilities that do not stop a release, each with
	// a reason and until when.
	Ignore []VulnIgnore `yaml:"ignore" json:"ignore,omitempty"`
}

// VulnIgnore is one vulnerability a team has judged harmless for a while.
type VulnIgnore struct {
	// ID is the record's ID or one of its aliases (GO-2026-0001,
	// CVE-2026-1234, GHSA-...).
	ID     string `yaml:"id" json:"id"`
	Reason string `yaml:"reason" json:"reason"`
	// Until is the day (YYYY-MM-DD, UTC) the ignore ends: from then on
	// the vulnerability stops releases again.
	Until string `yaml:"until" json:"until"`
}

// Severities, least first.
var Severities = []string{"low", "medium", "high", "critical"}

// defaultBlock is the least severity that stops a release by default.
const defaultBlock = "high"

// Expires is the moment the ignore stops counting.
func (i VulnIgnore) Expires() (time.Time, error) {
	return time.Parse(time.DateOnly, i.Until)
}

// Ignored returns the ignore that applies to a vulnerability known by ids
// at t, if any.
func (v Vulnerabilities) Ignored(ids []string, t time.Time) (VulnIgnore, bool) {
	for _, ig := range v.Ignore {
		if !slices.Contains(ids, ig.ID) {
			continue
		}
		if until, err := ig.Expires(); err == nil && t.Before(until) {
			return ig, true
		}
	}
	return VulnIgnore{}, false
}

// Blocks reports whether a vulnerability of severity stops a release; a
// severity the gate cannot read counts as high.
func (v Vulnerabilities) Blocks(severity string) bool {
	least := v.Block
	if least == "" {
		least = defaultBlock
	}
	rank := slices.Index(Severities, strings.ToLower(severity))
	if rank < 0 {
		rank = slices.Index(Severities, "high")
	}
	return rank >= slices.Index(Severities, least)
}

func (p *Pipeline) validateSecurity(ps *problems) {
	v := p.Security.Vulnerabilities
	if v == nil {
		return
	}
	const path = "security.vulnerabilities"
	if strings.TrimSpace(v.Database) == "" {
		ps.add(path+".database", "missing: the directory of OSV records the sign worker checks images against (vuln.go.dev's vulndb.zip unpacked, or a directory of OSV JSON files)")
	}
	if v.Block != "" && !slices.Contains(Severities, v.Block) {
		ps.add(path+".block", "%q is not a severity (want one of %s)", v.Block, strings.Join(Severities, ", "))
	}
	seen := map[string]bool{}
	for i, ig := range v.Ignore {
		at := fmt.Sprintf("%s.ignore[%d]", path, i)
		switch {
		case strings.TrimSpace(ig.ID) == "":
			ps.add(at+".id", "missing: the vulnerability's ID or alias (GO-2026-0001, CVE-2026-1234)")
		case seen[ig.ID]:
			ps.add(at+".id", "%s is ignored twice", ig.ID)
		}
		seen[ig.ID] = true
		if strings.TrimSpace(ig.Reason) == "" {
			ps.add(at+".reason", "missing: say why %s does not matter here", ig.ID)
		}
		if ig.Until == "" {
			ps.add(at+".until", "missing: an ignore must end (until: YYYY-MM-DD)")
		} else if _, err := ig.Expires(); err != nil {
			ps.add(at+".until", "%q is not a day (want YYYY-MM-DD)", ig.Until)
		}
	}
}

// resolveVulnDB makes a relative database directory a path from dir, the
// pipeline file's directory.
func (p *Pipeline) resolveVulnDB(dir string) {
	if v := p.Security.Vulnerabilities; v != nil && v.Database != "" && !filepath.IsAbs(v.Database) {
		v.Database = filepath.Join(dir, v.Database)
	}
}
