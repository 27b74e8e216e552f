package contract

import (
	"time"

	"github.com/signalman/signalman/internal/config"
)

// DeployRequest starts a service's new version in an environment. With a
// Weight below 100 the new instances run as the canary beside the stable ones.
type DeployRequest struct {
	Product  string         `json:"product"`
	Version  string         `json:"version"`
	Env      string         `json:"env"`
	Target   string         `json:"target"`
	Script   *config.Script `json:"script,omitempty"`
	Service  config.Service `json:"service"`
	Artifact Artifact       `json:"artifact"`
	Weight   int            `json:"weight"`
}

// DeployOutcome says how a deploy was routed.
type DeployOutcome struct {
	// Canary is true when the new version runs as the canary; false when
	// it went straight to stable (full weight, or the service's first
	// version, with no baseline to compare a canary with).
	Canary bool `json:"canary"`
}

// TrafficRequest sets the share of a service's traffic the canary takes.
type TrafficRequest struct {
	Product string `json:"product"`
	Env     string `json:"env"`
	// Target and Script are the environment's target, for a target that
	// splits traffic itself (the script target's weight command).
	Target  string         `json:"target,omitempty"`
	Script  *config.Script `json:"script,omitempty"`
	Service string         `json:"service"`
	Weight  int            `json:"weight"`
}

// AnalyzeRequest asks the judge for a verdict on the canary's last interval.
type AnalyzeRequest struct {
	Product string        `json:"product"`
	Env     string        `json:"env"`
	Service string        `json:"service"`
	Canary  config.Canary `json:"canary"`
	Step    int           `json:"step"`
	// Window is how far back the traffic is judged; 0 means the step's
	// pause. A step with too little traffic is watched for longer and
	// judged again over the longer window.
	Window time.Duration `json:"window,omitempty"`
	// Baseline, during a bake, is when the new version took all the
	// traffic: the previous version is judged on its records of the Window
	// before then (its last baseline), the new one on the Window up to now.
	Baseline time.Time `json:"baseline,omitempty"`
}

// Verdict is the judge's result for one canary step.
type Verdict struct {
	Step   int     `json:"step"`
	Weight int     `json:"weight"`
	Class  string  `json:"class"`
	Score  float64 `json:"score"`
	// Detail explains the classification per metric.
	Detail string `json:"detail"`
	// Bake marks a verdict of the bake, after the new version took all
	// the traffic, against the previous version's last baseline.
	Bake bool `json:"bake,omitempty"`
	// NoData marks a marginal verdict that had too little traffic to
	// judge, rather than a doubtful canary.
	NoData bool `json:"noData,omitempty"`
	// Window is the traffic the verdict judged, back from its analysis.
	Window time.Duration `json:"window,omitempty"`
}

// SmokeRequest runs a service's smoke tests in an environment.
type SmokeRequest struct {
	Product string         `json:"product"`
	Env     string         `json:"env"`
	Service config.Service `json:"service"`
	// Route is "canary" to smoke-test the canary alone, through the router's
	// test route, before it takes user traffic; empty tests what users reach.
	Route string `json:"route,omitempty"`
}

// RouteCanary is the SmokeRequest.Route of the canary alone.
const RouteCanary = "canary"

// RollbackRequest returns a service to a previous signed artifact (or, with
// no artifact, removes the canary and keeps the stable version).
type RollbackRequest struct {
	Product string         `json:"product"`
	Env     string         `json:"env"`
	Target  string         `json:"target"`
	Script  *config.Script `json:"script,omitempty"`
	Service string         `json:"service"`
	// Version is the version being rolled back.
	Version string `json:"version"`
	Reason  string `json:"reason"`
}

// RetireRequest stops a service's instances that are not Version, once
// Version is serving and has passed its smoke tests.
type RetireRequest struct {
	Product string         `json:"product"`
	Env     string         `json:"env"`
	Target  string         `json:"target"`
	Script  *config.Script `json:"script,omitempty"`
	Service string         `json:"service"`
	Version string         `json:"version"`
}

// RollbackTargetRequest asks which release a rollback returns to: To, or
// the release in production before the one serving now.
type RollbackTargetRequest struct {
	Product string `json:"product"`
	Env     string `json:"env"`
	Service string `json:"service"`
	To      string `json:"to,omitempty"`
}

// ReleaseRecord is a finished release: its version, commit and images.
type ReleaseRecord struct {
	Version   string     `json:"version"`
	Commit    string     `json:"commit"`
	Artifacts []Artifact `json:"artifacts"`
	// Current is the version serving now, which the rollback replaces.
	Current string `json:"current"`
}

// MigrateRequest runs one database migration in an environment.
type MigrateRequest struct {
	Product   string           `json:"product"`
	Version   string           `json:"version"`
	Env       string           `json:"env"`
	Commit    string           `json:"commit"`
	RepoURL   string           `json:"repoURL"`
	Migration config.Migration `json:"migration"`
}

// PromoteRequest makes a release's artifacts the stable production version,
// the one a later rollback returns to.
type PromoteRequest struct {
	Product   string     `json:"product"`
	Version   string     `json:"version"`
	Env       string     `json:"env"`
	Artifacts []Artifact `json:"artifacts"`
}

// Verdict classes of the canary judge.
const (
	Pass     = "pass"
	Marginal = "marginal"
	Fail     = "fail"
)
