// Package deploy runs the instances of a service's image in an environment:
// the Target interface and its process and docker implementations.
//
// A target runs exactly the image digest it is given, never a tag: the
// signature was verified for that digest before the target is called.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Target runs instances of one service's image in one environment.
type Target interface {
	// Start starts spec.Instances new instances of spec.Image and returns
	// them once every one is healthy; on failure it stops what it started.
	// It is idempotent per spec.Deployment: calling Start again for the same
	// Deployment returns the instances already running for it (once healthy)
	// and starts only those that are missing.
	Start(ctx context.Context, spec Spec) ([]Instance, error)
	// Running returns the instances of a service that are alive now, found
	// from durable records or labels, so a restarted worker finds them.
	Running(ctx context.Context, product, env, service string) ([]Instance, error)
	// Stop stops instances (gracefully, then by force after a grace period)
	// and forgets them. Stopping an instance that is already gone is not an
	// error.
	Stop(ctx context.Context, instances []Instance) error
}

// Instance is one running copy of a service.
type Instance struct {
	// ID is unique among all instances and stable for a given product,
	// environment, service, deployment and index, so a retried Start
	// finds what an earlier attempt started.
	ID         string `json:"id"`
	Product    string `json:"product"`
	Env        string `json:"env"`
	Service    string `json:"service"`
	Version    string `json:"version,omitempty"`
	Digest     string `json:"digest"`
	Deployment string `json:"deployment"`
	// Addr is the base URL the router sends traffic to, e.g.
	// http://127.0.0.1:41234.
	Addr string `json:"addr"`
	// PID is the process id (process target only).
	PID int `json:"pid,omitempty"`
	// Container is the container id (docker target only).
	Container string `json:"container,omitempty"`
	// Started is when the instance was started.
	Started time.Time `json:"started"`
}

// where names the service an instance belongs to, for messages.
func (in Instance) where() string {
	return in.Product + "/" + in.Env + "/" + in.Service
}

// Labels name the Docker container labels (and are the record fields) that
// tie an instance to its release.
const (
	LabelSite       = "dev.signalman.site"
	LabelProduct    = "dev.signalman.product"
	LabelEnv        = "dev.signalman.env"
	LabelService    = "dev.signalman.service"
	LabelVersion    = "dev.signalman.version"
	LabelDigest     = "dev.signalman.digest"
	LabelDeployment = "dev.signalman.deployment"
	LabelInstance   = "dev.signalman.instance"
)

// ErrInvalidSpec marks a Start the target refuses before doing anything: a
// missing field, a name unfit for a path, or an image not addressed by digest.
// Retrying does not help.
var ErrInvalidSpec = errors.New("invalid deploy spec")

// ErrBadImage marks an image the target refuses to run: a layer path or link
// that leaves the image's root, a manifest whose digest differs from the one
// asked for, no entrypoint, or a platform this host cannot run. Retrying does
// not help.
var ErrBadImage = errors.New("image refused")

// UnhealthyError is an instance that did not become healthy: it exited, or
// its health check did not pass in time. Start stopped it.
type UnhealthyError struct {
	Instance Instance
	// Reason is the last health check result or how the instance ended.
	Reason string
	// LogTail is the end of the instance's output, oldest line first.
	LogTail []string
}

func (e *UnhealthyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "instance %s of %s (%s) is not healthy: %s",
		e.Instance.ID, e.Instance.where(), e.Instance.Digest, e.Reason)
	if len(e.LogTail) == 0 {
		b.WriteString("; it wrote no output")
		return b.String()
	}
	b.WriteString("; its output ends with:")
	for _, l := range e.LogTail {
		b.WriteString("\n  ")
		b.WriteString(l)
	}
	return b.String()
}
