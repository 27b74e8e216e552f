package artifact

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// PredicateSLSAProvenance is the in-toto predicate type of a SLSA provenance
// v1 predicate.
const PredicateSLSAProvenance = "https://slsa.dev/provenance/v1"

// DefaultBuilderID identifies Signalman's builder when ProvenanceInput.Builder
// is empty.
const DefaultBuilderID = "https://signalman.dev/builder/v1"

// Build types of Signalman's provenance: how to read externalParameters.
const (
	BuildTypeGo     = "https://signalman.dev/buildtypes/go/v1"
	BuildTypeDocker = "https://signalman.dev/buildtypes/docker/v1"
)

// ProvenanceInput is what a build records about itself.
type ProvenanceInput struct {
	Source
	// Tag is the git tag that was checked out, e.g. "v1.101.0".
	Tag string
	// Context is the build directory relative to the checkout root.
	Context string
	// Package is the Go main package of a BuildGo build.
	Package string
	// Dockerfile is the Dockerfile of a BuildDocker build; it is used when
	// Package is empty.
	Dockerfile string
	// GoVersion is the Go toolchain of a Go build (runtime.Version() of the
	// worker, or the version in the binary's build information).
	GoVersion string
	// Flags are the build flags, e.g. GoFlags(version).
	Flags []string
	// InvocationID identifies this build run, e.g. the workflow and activity.
	InvocationID string
	// StartedOn and FinishedOn bound the build.
	StartedOn, FinishedOn time.Time
	// Builder is the builder's id; empty means DefaultBuilderID.
	Builder string
}

// provenance is the SLSA provenance v1 predicate, with the parameters
// Signalman's build types define.
type provenance struct {
	BuildDefinition buildDefinition `json:"buildDefinition"`
	RunDetails      runDetails      `json:"runDetails"`
}

type buildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   externalParameters   `json:"externalParameters"`
	InternalParameters   *internalParameters  `json:"internalParameters,omitempty"`
	ResolvedDependencies []resourceDescriptor `json:"resolvedDependencies"`
}

type externalParameters struct {
	Repository string `json:"repository"`
	Ref        string `json:"ref,omitempty"`
	Version    string `json:"version,omitempty"`
	Service    string `json:"service"`
	Context    string `json:"context,omitempty"`
	Package    string `json:"package,omitempty"`
	Dockerfile string `json:"dockerfile,omitempty"`
}

type internalParameters struct {
	GoVersion string   `json:"goVersion,omitempty"`
	Flags     []string `json:"flags,omitempty"`
}

type resourceDescriptor struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

type runDetails struct {
	Builder  builder   `json:"builder"`
	Metadata *metadata `json:"metadata,omitempty"`
}

type builder struct {
	ID string `json:"id"`
}

type metadata struct {
	InvocationID string     `json:"invocationId,omitempty"`
	StartedOn    *time.Time `json:"startedOn,omitempty"`
	FinishedOn   *time.Time `json:"finishedOn,omitempty"`
}

// gitCommit matches a full SHA-1 or SHA-256 git object name.
var gitCommit = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// Provenance is the SLSA provenance v1 predicate (JSON) of a build of p: the
// source repository, tag and commit it came from, what was built and how, and
// when and by whom.
func Provenance(p ProvenanceInput) ([]byte, error) {
	switch {
	case p.Repository == "":
		return nil, fmt.Errorf("provenance of %s: %w: no repository", p.Service, ErrInvalidInput)
	case !gitCommit.MatchString(p.Commit):
		return nil, fmt.Errorf("provenance of %s: %w: commit %q is not a full git commit SHA", p.Service, ErrInvalidInput, p.Commit)
	}
	buildType := BuildTypeGo
	if p.Package == "" && p.Dockerfile != "" {
		buildType = BuildTypeDocker
	}
	ref := p.Tag
	if ref == "" {
		ref = p.Version
	}
	uri := p.Repository
	if !strings.HasPrefix(uri, "git+") {
		uri = "git+" + uri
	}
	if ref != "" {
		uri += "@" + ref
	}
	pred := provenance{
		BuildDefinition: buildDefinition{
			BuildType: buildType,
			ExternalParameters: externalParameters{
				Repository: p.Repository,
				Ref:        ref,
				Version:    p.Version,
				Service:    p.Service,
				Context:    p.Context,
				Package:    p.Package,
				Dockerfile: p.Dockerfile,
			},
			ResolvedDependencies: []resourceDescriptor{{URI: uri, Digest: map[string]string{"gitCommit": p.Commit}}},
		},
		RunDetails: runDetails{Builder: builder{ID: p.Builder}},
	}
	if buildType == BuildTypeDocker {
		pred.BuildDefinition.ExternalParameters.Package = ""
	}
	if p.GoVersion != "" || len(p.Flags) > 0 {
		pred.BuildDefinition.InternalParameters = &internalParameters{GoVersion: p.GoVersion, Flags: p.Flags}
	}
	if pred.RunDetails.Builder.ID == "" {
		pred.RunDetails.Builder.ID = DefaultBuilderID
	}
	if md := runMetadata(p); md != nil {
		pred.RunDetails.Metadata = md
	}
	return json.MarshalIndent(pred, "", "  ")
}

func runMetadata(p ProvenanceInput) *metadata {
	md := metadata{InvocationID: p.InvocationID}
	if !p.StartedOn.IsZero() {
		t := p.StartedOn.UTC()
		md.StartedOn = &t
	}
	if !p.FinishedOn.IsZero() {
		t := p.FinishedOn.UTC()
		md.FinishedOn = &t
	}
	if md == (metadata{}) {
		return nil
	}
	return &md
}

// ErrNoCommit is returned by ProvenanceCommit when a document names no source
// commit, or more than one.
var ErrNoCommit = errors.New("provenance names no single source commit")

// ProvenanceCommit is the git commit a SLSA provenance v1 predicate says the
// artifact was built from. It also accepts the predicate wrapped in an in-toto
// Statement, as attestations carry it.
func ProvenanceCommit(predicate []byte) (string, error) {
	var doc struct {
		Type      string          `json:"_type"`
		Predicate json.RawMessage `json:"predicate"`
		provenance
	}
	if err := json.Unmarshal(predicate, &doc); err != nil {
		return "", fmt.Errorf("read provenance: %w", err)
	}
	deps := doc.BuildDefinition.ResolvedDependencies
	if doc.Type != "" && len(doc.Predicate) > 0 {
		var pred provenance
		if err := json.Unmarshal(doc.Predicate, &pred); err != nil {
			return "", fmt.Errorf("read provenance in %s statement: %w", doc.Type, err)
		}
		deps = pred.BuildDefinition.ResolvedDependencies
	}
	var commit string
	for _, dep := range deps {
		c, ok := dep.Digest["gitCommit"]
		if !ok {
			continue
		}
		c = strings.ToLower(c)
		if !gitCommit.MatchString(c) {
			return "", fmt.Errorf("read provenance: %q of %s is not a git commit SHA", c, dep.URI)
		}
		if commit != "" && commit != c {
			return "", fmt.Errorf("read provenance: %w: %s and %s", ErrNoCommit, commit, c)
		}
		commit = c
	}
	if commit == "" {
		return "", fmt.Errorf("read provenance: %w", ErrNoCommit)
	}
	return commit, nil
}
