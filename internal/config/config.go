// Package config holds the schema of the pipeline file (signalman.yaml),
// its defaults and its validation.
package config

import (
	"time"

	"github.com/signalman/signalman/internal/window"
)

// The environments of the classic two-environment pipeline; a pipeline
// may name any others.
const (
	Stage = "stage"
	Prod  = "prod"
)

// Build kinds (Build.Kind).
const (
	// BuildGo builds a Go main package into an image without a Docker daemon.
	BuildGo = "go"
	// BuildDockerfile builds an image from a Dockerfile with the Docker Engine.
	BuildDockerfile = "dockerfile"
)

// Deploy targets (Environment.Target).
const (
	// TargetProcess runs the image's entrypoint as a local process.
	TargetProcess = "process"
	// TargetDocker runs the image as containers in the Docker Engine.
	TargetDocker = "docker"
	// TargetScript runs the team's own commands (Environment.Script).
	TargetScript = "script"
)

// What a failed service deploy does to the release's other services in
// its environment (Environment.OnFailure).
const (
	// RollbackRelease rolls back, in reverse order, every service the
	// release already moved in the environment, and stops.
	RollbackRelease = "rollback-release"
	// StopRelease stops: the services after the failed one are not
	// deployed, the ones before it stay.
	StopRelease = "stop"
	// ContinueRelease deploys the other services all the same; the
	// release still fails at the end of the environment.
	ContinueRelease = "continue"
)

// Deploy orders of an environment's services (Environment.Order).
const (
	// OrderConfigured deploys by Service.Order, then file order.
	OrderConfigured = "configured"
	// OrderAlphabetical deploys by service name.
	OrderAlphabetical = "alphabetical"
)

// Canary metric names (CanaryMetric.Name).
const (
	// MetricErrorRate is the share of requests that failed.
	MetricErrorRate = "error_rate"
	// MetricLatency is the time to answer a request.
	MetricLatency = "latency"
)

// Harmful directions of a canary metric (CanaryMetric.Direction).
const (
	// DirectionIncrease fails the canary when the metric goes up.
	DirectionIncrease = "increase"
	// DirectionDecrease fails the canary when the metric goes down.
	DirectionDecrease = "decrease"
	// DirectionEither fails the canary when the metric moves either way.
	DirectionEither = "either"
)

// Pipeline is one product's signalman.yaml. It holds no secrets: where a
// secret is needed it names the environment variable the worker reads it from.
type Pipeline struct {
	// Product names the product in workflow IDs, images and labels: lowercase
	// letters, digits and dashes, at most 40 characters.
	Product    string     `yaml:"product" json:"product"`
	Repository Repository `yaml:"repository" json:"repository"`
	Versioning Versioning `yaml:"versioning" json:"versioning"`
	Tests      Tests      `yaml:"tests" json:"tests"`
	// Services are deployed in OrderedServices order; at least one.
	Services []Service `yaml:"services" json:"services"`
	// Migrations run before the services that need them (MigrationsBefore).
	Migrations []Migration `yaml:"migrations" json:"migrations,omitempty"`
	// Assets are directories of the repository whose files are uploaded
	// with every release to the buckets of the environments that name one
	// (Environment.Assets); see AssetBucket.
	Assets []string `yaml:"assets" json:"assets,omitempty"`
	// Environments are the places the product runs, by name; a release
	// goes through them in the order of the file, or in waves (After,
	// Parallel): see Waves and EnvNames.
	Environments map[string]Environment `yaml:"environments" json:"environments"`
	// Order is the environments in the order the file lists them, as
	// Parse read it.
	Order []string `yaml:"-" json:"order,omitempty"`
	// Approvers lists, by role, the people whose signoffs count.
	Approvers map[string][]string `yaml:"approvers" json:"approvers"`
	// Auth says how a request's person is known: AuthSigned or
	// AuthClaimed. Left out, it is signed when the file lists keys.
	Auth string `yaml:"auth" json:"auth,omitempty"`
	// People lists each person's SSH public keys, by name.
	People map[string]Person `yaml:"people" json:"people,omitempty"`
	// Permissions name, by action (abort, decide, override-window,
	// rollback, freeze, unfreeze), who may take it: approver roles,
	// people, trigger, managers, oncall. Actions left out get defaults
	// (defaultPermissions).
	Permissions map[string][]string `yaml:"permissions" json:"permissions,omitempty"`
	// Oncall is who is on call: a weekly rotation or a fixed list. They
	// are named in production announcements and told of rollbacks.
	Oncall *window.Rotation `yaml:"oncall" json:"oncall,omitempty"`
	// AllowedSigners names a file in git's allowed_signers format whose
	// keys Load adds to People.
	AllowedSigners string        `yaml:"allowed_signers" json:"allowedSigners,omitempty"`
	Release        Release       `yaml:"release" json:"release"`
	Notifications  Notifications `yaml:"notifications" json:"notifications"`
	Retention      Retention     `yaml:"retention" json:"retention"`
	// Security is what a release must pass besides its tests.
	Security Security `yaml:"security" json:"security,omitzero"`
}

// Retention says what the workers keep of old releases; `signalman gc`
// prunes the rest. What runs in any environment, what a rollback could
// return to and releases still under way are always kept.
type Retention struct {
	// Releases is how many of the product's latest releases keep their
	// images (in the registry and unpacked on deployers), besides those
	// always kept (default 10, at least 1).
	Releases int `yaml:"releases" json:"releases"`
	// Checkouts is how long a checkout left behind by a killed worker
	// (builds, tests, clones) is kept (default 168h, seven days).
	Checkouts time.Duration `yaml:"checkouts" json:"checkouts"`
	// Every is how often the product's gc schedule prunes, once `signalman
	// gc --schedule` made it (default 24h).
	Every time.Duration `yaml:"every" json:"every"`
}

// Repository says where the product's source lives.
type Repository struct {
	// URL is what `git clone` takes: a path, file://, https:// or ssh URL.
	URL string `yaml:"url" json:"url"`
	// MainBranch is the branch trains are cut from (default "main").
	MainBranch string `yaml:"main_branch" json:"mainBranch"`
	// GitHub is "owner/name" when the repository is on GitHub (optional).
	GitHub string `yaml:"github" json:"github,omitempty"`
	// GitHubAPI is the base URL of a GitHub Enterprise server's API; empty
	// means api.github.com.
	GitHubAPI string `yaml:"github_api" json:"githubAPI,omitempty"`
	// GitHubTokenEnv names the environment variable the worker reads the
	// GitHub token from (default "GITHUB_TOKEN" when GitHub is set). A
	// public repository needs none.
	GitHubTokenEnv string `yaml:"github_token_env" json:"githubTokenEnv,omitempty"`
	// PrivateURL is the private repository security fixes are made in
	// (signalman dot --security): a security release is tagged, built
	// and shipped from there, and reaches URL only once it is in
	// production. Resolved like URL.
	PrivateURL string `yaml:"private_url" json:"privateURL,omitempty"`
}

// Versioning sets the version scheme vMAJOR.TRAIN.PATCH.
type Versioning struct {
	Major int `yaml:"major" json:"major"` // default 1
}

// Tests says how a tagged commit is tested.
type Tests struct {
	// Command runs with `sh -c` in a clean checkout of the tag.
	Command string `yaml:"command" json:"command,omitempty"`
	// Timeout bounds one run of Command (default 30m).
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// GitHubChecks waits for the repository's CI checks on the tagged commit.
	GitHubChecks bool `yaml:"github_checks" json:"githubChecks,omitempty"`
}

// Service is one deployable unit of the product.
type Service struct {
	// Name is unique in the pipeline: lowercase letters, digits and dashes.
	Name string `yaml:"name" json:"name"`
	// Order sorts deploys (lower first); services with equal order keep file order.
	Order int   `yaml:"order" json:"order"`
	Build Build `yaml:"build" json:"build"`
	// Port is where the service listens (1 to 65535), 0 when it has none.
	Port      int    `yaml:"port" json:"port,omitempty"`
	Instances int    `yaml:"instances" json:"instances"` // 1 to 20, default 1
	Health    Health `yaml:"health" json:"health"`
	// Smoke requests run after every deploy; a failure rolls back.
	Smoke []Smoke `yaml:"smoke" json:"smoke,omitempty"`
	// Env are plain configuration values the service gets as environment
	// variables in every environment; EnvByEnvironment adds to them and
	// overrides them per environment.
	Env              map[string]string            `yaml:"env" json:"env,omitempty"`
	EnvByEnvironment map[string]map[string]string `yaml:"env_by_environment" json:"envByEnvironment,omitempty"`
	// Secrets name the secrets the service gets as environment variables.
	// Only the names are here: the deploy worker reads the values at
	// deploy time, from its own secrets directory or environment, so no
	// value enters the file, a workflow's history or a log.
	Secrets []string `yaml:"secrets" json:"secrets,omitempty"`
}

// Build says how a service's image is made.
type Build struct {
	// Kind is "go" (daemonless) or "dockerfile" (Docker Engine); default "go".
	Kind string `yaml:"kind" json:"kind"`
	// Context is the directory, relative to the repository root (default ".").
	Context string `yaml:"context" json:"context"`
	// Package is the Go main package to build, for kind "go" (default ".").
	Package string `yaml:"package" json:"package,omitempty"`
	// Dockerfile is relative to Context, for kind "dockerfile" (default "Dockerfile").
	Dockerfile string `yaml:"dockerfile" json:"dockerfile,omitempty"`
}

// Health is the readiness check of a running instance.
type Health struct {
	Path     string        `yaml:"path" json:"path"`         // default "/healthz"
	Timeout  time.Duration `yaml:"timeout" json:"timeout"`   // default 60s
	Interval time.Duration `yaml:"interval" json:"interval"` // default 1s
}

// Smoke is one request made after every deploy.
type Smoke struct {
	Path   string `yaml:"path" json:"path"`     // starts with "/"
	Status int    `yaml:"status" json:"status"` // the status wanted, default 200
	// Contains, when set, must appear in the response body.
	Contains string `yaml:"contains" json:"contains,omitempty"`
}

// Migration is a database change run as its own step, before the service
// named in Before, and never rolled back.
type Migration struct {
	Name string `yaml:"name" json:"name"` // unique among migrations
	// Command applies the migration; it runs with `sh -c`.
	Command string `yaml:"command" json:"command"`
	// Before names the service deployed after it.
	Before string `yaml:"before" json:"before"`
}

// Environment is one place the product runs.
type Environment struct {
	// After names the environments a release must have gone through
	// before this one; empty means the one before it in the file.
	// Environments after the same ones form waves, one after another.
	After []string `yaml:"after" json:"after,omitempty"`
	// Parallel deploys this environment at the same time as the one
	// before it in the file, which must come after the same environments.
	Parallel bool `yaml:"parallel" json:"parallel,omitempty"`
	// Production marks a production environment (see IsProduction);
	// unset, environments named prod, production, prod-* and
	// production-* are.
	Production *bool `yaml:"production" json:"production,omitempty"`
	// SignoffsAt is when the signoffs are asked for: before the release
	// deploys here (an approval; the default) or after (people check the
	// release here before it goes on; the default for stage).
	SignoffsAt string `yaml:"signoffs_at" json:"signoffsAt,omitempty"`
	// Follow makes the environment follow the main branch instead of
	// releases: every new commit there is built, signed with the follow
	// key (not the release key) and deployed here, named by its commit
	// (main-abc1234), without a tag. Releases pass it by, and nothing
	// built for it reaches another environment.
	Follow string `yaml:"follow" json:"follow,omitempty"`
	// Target is "process" (default), "docker" or "script".
	Target string `yaml:"target" json:"target"`
	// Script holds the commands of the script target.
	Script *Script `yaml:"script" json:"script,omitempty"`
	// Window holds this environment's deploys to allowed times: a service
	// deploy starts only when its canary can finish before the window
	// closes. Prod has the default window (Mon-Thu 08:00-16:00
	// America/New_York) unless the file says window: always; other
	// environments are open unless the file gives them a window.
	Window *window.Spec `yaml:"window" json:"window,omitempty"`
	// OnFailure is what a failed service deploy does to the release's
	// other services here: rollback-release, stop or continue (see the
	// constants; defaults: rollback-release on prod, continue elsewhere).
	OnFailure string `yaml:"on_failure" json:"onFailure,omitempty"`
	// Order is the order services deploy in here: configured (by order,
	// then file order; the default) or alphabetical.
	Order string `yaml:"order" json:"order,omitempty"`
	// Bake is how long, after a service takes all the traffic, the
	// previous version keeps running while the judge compares the new one
	// with the previous one's last baseline; a degradation switches back
	// at once. 0 turns it off. Default 10m on prod when it has a canary
	// (the bake judges with the canary's metrics), 0 elsewhere.
	Bake time.Duration `yaml:"bake" json:"bake,omitempty"`
	// Canary is the canary analysis; nil deploys straight to full traffic.
	Canary *Canary `yaml:"canary" json:"canary,omitempty"`
	// Signoffs are the roles that must sign before deploying here.
	Signoffs []Signoff `yaml:"signoffs" json:"signoffs,omitempty"`
	// VerifyKeys are the public keys (PEM, or a PEM file's path from the
	// pipeline file's directory) whose signatures this environment
	// accepts; empty accepts every key its deployers trust. A deployer
	// refuses a key it does not trust itself, so the file narrows trust
	// and never widens it.
	VerifyKeys []string `yaml:"verify_keys" json:"verifyKeys,omitempty"`
	// Assets is the bucket the release's static assets go to once its
	// services run here; nil uploads none here.
	Assets *AssetBucket `yaml:"assets" json:"assets,omitempty"`
}

// WindowOf is env's effective deploy window: the one the file gives, or
// for a production environment the default window (Mon-Thu 08:00-16:00 America/New_York); nil
// when deploys to env may happen at any time.
func (p *Pipeline) WindowOf(env string) *window.Spec {
	w := p.Environments[env].Window
	if w == nil && p.IsProduction(env) {
		w = &window.Spec{}
	}
	if w != nil && w.Always {
		return nil
	}
	return w
}

// DeployMargin is the time a service deploy takes besides its canary's
// pauses: starting and health-checking instances, smoke tests, analyses
// and promotion. A deploy starts only if its DeployTime fits in the window.
const DeployMargin = 10 * time.Minute

// DeployTime is how long one service's deploy here is expected to take:
// the sum of its canary's pauses, plus DeployMargin.
func (e Environment) DeployTime() time.Duration {
	d := DeployMargin
	if e.Canary != nil {
		for _, s := range e.Canary.Steps {
			d += s.Pause
		}
	}
	return d
}

// Signoff requires Count distinct listed approvers of Role.
type Signoff struct {
	Role  string `yaml:"role" json:"role"`
	Count int    `yaml:"count" json:"count"` // default 1
	// ValidFor is how long a signoff counts: one older than this when the
	// release ships is dropped and asked for again (default 96h).
	ValidFor time.Duration `yaml:"valid_for" json:"validFor,omitempty"`
}

// Canary configures progressive delivery and its judge.
type Canary struct {
	Steps []CanaryStep `yaml:"steps" json:"steps"`
	// Confidence of the Mann-Whitney U test (default 0.98).
	Confidence float64 `yaml:"confidence" json:"confidence"`
	// Marginal and Pass are score thresholds (defaults 75 and 95).
	Marginal float64 `yaml:"marginal" json:"marginal"`
	Pass     float64 `yaml:"pass" json:"pass"`
	// DecisionTimeout bounds the wait for a person on a marginal score; then it rolls back (default 30m).
	DecisionTimeout time.Duration  `yaml:"decision_timeout" json:"decisionTimeout"`
	Metrics         []CanaryMetric `yaml:"metrics" json:"metrics"`
	// Prometheus is the base URL of a Prometheus HTTP API; empty uses the router's metrics.
	Prometheus string `yaml:"prometheus" json:"prometheus,omitempty"`
}

// CanaryStep sends Weight percent of traffic to the canary for Pause, then judges it.
type CanaryStep struct {
	Weight int           `yaml:"weight" json:"weight"`
	Pause  time.Duration `yaml:"pause" json:"pause"`
}

// CanaryMetric is one metric the judge compares.
type CanaryMetric struct {
	// Name is "error_rate" or "latency".
	Name string `yaml:"name" json:"name"`
	// Direction is the harmful direction: "increase" (default), "decrease" or "either".
	Direction string `yaml:"direction" json:"direction"`
	// Weight of the metric in the score (default 1).
	Weight float64 `yaml:"weight" json:"weight"`
	// Tolerance is the relative effect size accepted as no change (default 0.1).
	Tolerance float64 `yaml:"tolerance" json:"tolerance"`
	// AbsTolerance is the change in the metric's own unit accepted as no
	// change (defaults: 0.001 for error_rate, 0.005 seconds for latency):
	// sub-millisecond noise between two healthy instances is not a regression.
	AbsTolerance float64 `yaml:"abs_tolerance" json:"absTolerance"`
	// Critical makes the metric decide alone: harmful, it fails the canary
	// whatever the score; with too few samples, a canary that would pass
	// is watched longer and then put to a person. Unset, it is true for
	// error_rate and false for latency (IsCritical).
	Critical *bool `yaml:"critical" json:"critical,omitempty"`
}

// IsCritical reports whether the metric is critical: Critical, or when it
// is unset (a pipeline not read by Load) the default for the metric's name.
func (m CanaryMetric) IsCritical() bool {
	if m.Critical != nil {
		return *m.Critical
	}
	return defaultCritical[m.Name]
}

// Release holds defaults for the release gates.
type Release struct {
	// ShipDelay is the wait after the last required signoff when a release
	// has no ETA (default 5m).
	ShipDelay time.Duration `yaml:"ship_delay" json:"shipDelay"`
	// DotGather is how long a train gathers dot requests into one dot
	// release: the first request starts it and announces the plan, those
	// that arrive within it ride along (default 15m; 0 releases each
	// request on its own).
	DotGather time.Duration `yaml:"dot_gather" json:"dotGather,omitempty"`
	// BuildParallelism is how many services build at once (default 4).
	BuildParallelism int `yaml:"build_parallelism" json:"buildParallelism"`
	// Managers may decide on held releases besides the person who triggered them.
	Managers []string `yaml:"managers" json:"managers,omitempty"`
	// Owners rotate as the release owner, one a train: train N's owner is
	// Owners[N mod len(Owners)]. The owner manages the train's releases
	// (held-release decisions, dot releases) and is named in its
	// announcements; without owners, whoever starts a train manages it, and
	// a scheduled candidate picks a committer.
	Owners []string `yaml:"owners" json:"owners,omitempty"`
	// ExceptionRole is the approver role that may open the window for an exception (default "sre").
	ExceptionRole string `yaml:"exception_role" json:"exceptionRole"`
}

// Notifications says where stage messages go: Slack, an outgoing
// webhook, or both.
type Notifications struct {
	Slack   *Slack   `yaml:"slack" json:"slack,omitempty"`
	Webhook *Webhook `yaml:"webhook" json:"webhook,omitempty"`
}

// Webhook posts every message as a CloudEvent (JSON) to URL, signed with
// HMAC-SHA256 under the secret the worker reads from SecretEnv, for paging
// and chat tools. Retries resend the same event ID, so a receiver that
// keeps the IDs it saw takes each event once.
type Webhook struct {
	URL string `yaml:"url" json:"url"`
	// SecretEnv names the environment variable holding the signing
	// secret (default SIGNALMAN_WEBHOOK_SECRET); the secret itself never
	// goes in this file.
	SecretEnv string `yaml:"secret_env" json:"secretEnv"`
}

// Slack posts to one channel with a bot token read from TokenEnv.
type Slack struct {
	Channel  string `yaml:"channel" json:"channel"`
	TokenEnv string `yaml:"token_env" json:"tokenEnv"` // default "SLACK_BOT_TOKEN"
	// Users maps Slack user IDs to approver names.
	Users map[string]string `yaml:"users" json:"users,omitempty"`
	// BridgeKey is the public key (authorized_keys form) the worker's
	// Slack endpoint signs with, for the people Users maps, after Slack's
	// signature showed who clicked.
	BridgeKey string `yaml:"bridge_key" json:"bridgeKey,omitempty"`
	// SecurityChannel is the only channel a security release posts to
	// before it is public; without it, such a release posts nothing
	// until then.
	SecurityChannel string `yaml:"security_channel" json:"securityChannel,omitempty"`
}
