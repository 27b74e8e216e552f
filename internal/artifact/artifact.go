// Package artifact builds service images, pushes them to a registry under
// immutable tags, and writes the documents that travel with them: a CycloneDX
// SBOM and a SLSA provenance predicate.
//
// Go services are built without a Docker Engine (BuildGo); services with a
// Dockerfile are built by the engine and exported from it (BuildDocker). Either
// way the result is a v1.Image that Push writes with go-containerregistry, so
// the registry, not the engine, holds what gets deployed.
package artifact

import (
	"errors"
	"time"
)

// ErrInvalidInput marks errors caused by the caller's input (a bad service
// name, a path outside the checkout); retrying them cannot succeed.
var ErrInvalidInput = errors.New("invalid input")

// Source names the release a build comes from. It goes into image labels,
// SBOMs and provenance.
type Source struct {
	// Service is the service's name, as in signalman.yaml.
	Service string
	// Version is the release version, e.g. "v1.101.0".
	Version string
	// Commit is the full git commit SHA that was built.
	Commit string
	// Repository is the source repository URL.
	Repository string
	// CommitTime is the commit's time; it stands in for "now" wherever a
	// timestamp is recorded, so the same commit yields the same bytes.
	CommitTime time.Time
}
