package contract

import (
	"time"

	"github.com/signalman/signalman/internal/config"
)

// ScanName checks one image against the vulnerability database and
// attests the verdict.
const ScanName = "ScanVulnerabilities"

// PredicateVuln is the in-toto predicate type of a vulnerability scan, as
// cosign names it.
const PredicateVuln = "https://cosign.sigstore.dev/attestation/vuln/v1"

// ScanRequest asks for one image's vulnerabilities under the pipeline's
// policy.
type ScanRequest struct {
	Product  string                 `json:"product"`
	Version  string                 `json:"version"`
	Commit   string                 `json:"commit"`
	Artifact Artifact               `json:"artifact"`
	Build    config.Build           `json:"build"`
	Policy   config.Vulnerabilities `json:"policy"`
	// Env is the environment this is the last check before; empty for
	// the check after the build.
	Env string `json:"env,omitempty"`
}

// ScanResult is one image's verdict.
type ScanResult struct {
	Service string `json:"service"`
	Digest  string `json:"digest"`
	Env     string `json:"env,omitempty"`
	// Database is when the database's newest record changed: which day's
	// database judged the image.
	Database time.Time `json:"database"`
	At       time.Time `json:"at"`
	Findings []Finding `json:"findings,omitempty"`
}

// Finding is one known vulnerability of an image.
type Finding struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	// Severity is the record's grade; empty when it gives none (counted
	// as high).
	Severity string `json:"severity,omitempty"`
	// Module and Version are the vulnerable package as the image holds
	// it; Fixed is the first version without it, empty if none.
	Module  string `json:"module"`
	Version string `json:"version"`
	Fixed   string `json:"fixed,omitempty"`
	// Symbol is the vulnerable function the binary reaches; empty for a
	// package found vulnerable by its version alone.
	Symbol string `json:"symbol,omitempty"`
	// Via is binary (a reached symbol) or sbom (a package's version).
	Via string `json:"via"`
	// Ignored says which of the policy's ignores lets it pass, and until.
	Ignored string `json:"ignored,omitempty"`
	// Blocks is set when the finding stops the release.
	Blocks bool `json:"blocks"`
}

// Names are the IDs the vulnerability is known by.
func (f Finding) Names() []string { return append([]string{f.ID}, f.Aliases...) }

// Blocking lists the findings that stop the release.
func (r ScanResult) Blocking() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Blocks {
			out = append(out, f)
		}
	}
	return out
}
