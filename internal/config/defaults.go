package config

import "time"

// Defaults of the fields the file may leave out; see the field docs.
const (
	defaultMainBranch      = "main"
	defaultMajor           = 1
	defaultTestTimeout     = 30 * time.Minute
	defaultInstances       = 1
	defaultBuildKind       = BuildGo
	defaultHealthPath      = "/healthz"
	defaultHealthTimeout   = 60 * time.Second
	defaultHealthInterval  = time.Second
	defaultSmokeStatus     = 200
	defaultTarget          = TargetProcess
	defaultConfidence      = 0.98
	defaultMarginal        = 75
	defaultPass            = 95
	defaultDecisionTimeout = 30 * time.Minute
	defaultDirection       = DirectionIncrease
	defaultMetricWeight    = 1
	defaultTolerance       = 0.1
	defaultShipDelay       = 5 * time.Minute
	defaultDotGather       = 15 * time.Minute
	defaultBake            = 10 * time.Minute
	defaultKeepReleases    = 10
	defaultKeepCheckouts   = 7 * 24 * time.Hour
	defaultGCEvery         = 24 * time.Hour
	defaultBuildParallel   = 4
	defaultExceptionRole   = "sre"
	// A signoff on Thursday 16:01 still counts on Monday 08:00 (88h);
	// one a week old does not.
	defaultSignoffValidFor  = 96 * time.Hour
	defaultSlackTokenEnv    = "SLACK_BOT_TOKEN"
	defaultWebhookSecretEnv = "SIGNALMAN_WEBHOOK_SECRET"
	defaultGitHubTokenEnv   = "GITHUB_TOKEN"
)

// setDefaults fills in what the file left out. has reports whether the
// file sets the field at a path: numbers and durations are defaulted only
// when absent, so that an explicit 0 (major: 0, instances: 0) is kept and
// judged as written; text is defaulted when empty.
func (p *Pipeline) setDefaults(has func(path string) bool) {
	orString(&p.Repository.MainBranch, defaultMainBranch)
	if p.Repository.GitHub != "" {
		orString(&p.Repository.GitHubTokenEnv, defaultGitHubTokenEnv)
	}
	if !has("versioning.major") {
		p.Versioning.Major = defaultMajor
	}
	if !has("tests.timeout") {
		p.Tests.Timeout = defaultTestTimeout
	}
	for i := range p.Services {
		p.Services[i].setDefaults(item("services", i), has)
	}
	for name, env := range p.Environments {
		env.setDefaults(p.IsProduction(name), child("environments", name), has)
		p.Environments[name] = env
	}
	if !has("release.build_parallelism") {
		p.Release.BuildParallelism = defaultBuildParallel
	}
	if !has("release.ship_delay") {
		p.Release.ShipDelay = defaultShipDelay
	}
	if !has("release.dot_gather") {
		p.Release.DotGather = defaultDotGather
	}
	orString(&p.Release.ExceptionRole, defaultExceptionRole)
	p.setPermissionDefaults()
	switch {
	case p.Auth != "":
	case p.AllowedSigners != "" || p.hasKeys():
		p.Auth = AuthSigned
	case !p.namesPeople():
		// No gate counts anyone by name, so there is no one to be.
		p.Auth = AuthClaimed
	}
	if !has("retention.releases") {
		p.Retention.Releases = defaultKeepReleases
	}
	if !has("retention.checkouts") {
		p.Retention.Checkouts = defaultKeepCheckouts
	}
	if !has("retention.every") {
		p.Retention.Every = defaultGCEvery
	}
	if s := p.Notifications.Slack; s != nil {
		orString(&s.TokenEnv, defaultSlackTokenEnv)
	}
	if w := p.Notifications.Webhook; w != nil {
		orString(&w.SecretEnv, defaultWebhookSecretEnv)
	}
}

func (s *Service) setDefaults(path string, has func(string) bool) {
	if !has(path + ".instances") {
		s.Instances = defaultInstances
	}
	b := &s.Build
	orString(&b.Kind, defaultBuildKind)
	orString(&b.Context, ".")
	switch b.Kind {
	case BuildGo:
		orString(&b.Package, ".")
	case BuildDockerfile:
		orString(&b.Dockerfile, "Dockerfile")
	}
	orString(&s.Health.Path, defaultHealthPath)
	if !has(path + ".health.timeout") {
		s.Health.Timeout = defaultHealthTimeout
	}
	if !has(path + ".health.interval") {
		s.Health.Interval = defaultHealthInterval
	}
	for i := range s.Smoke {
		if !has(item(path+".smoke", i) + ".status") {
			s.Smoke[i].Status = defaultSmokeStatus
		}
	}
}

func (e *Environment) setDefaults(production bool, path string, has func(string) bool) {
	orString(&e.Target, defaultTarget)
	if e.Script != nil {
		e.Script.setDefaults()
	}
	if production {
		orString(&e.OnFailure, RollbackRelease)
		if !has(path+".bake") && e.Canary != nil {
			e.Bake = defaultBake
		}
	}
	orString(&e.OnFailure, ContinueRelease)
	orString(&e.Order, OrderConfigured)
	for i := range e.Signoffs {
		if !has(item(path+".signoffs", i) + ".count") {
			e.Signoffs[i].Count = 1
		}
		if !has(item(path+".signoffs", i) + ".valid_for") {
			e.Signoffs[i].ValidFor = defaultSignoffValidFor
		}
	}
	if e.Canary != nil {
		e.Canary.setDefaults(path+".canary", has)
	}
}

func (c *Canary) setDefaults(path string, has func(string) bool) {
	if !has(path + ".confidence") {
		c.Confidence = defaultConfidence
	}
	if !has(path + ".marginal") {
		c.Marginal = defaultMarginal
	}
	if !has(path + ".pass") {
		c.Pass = defaultPass
	}
	if !has(path + ".decision_timeout") {
		c.DecisionTimeout = defaultDecisionTimeout
	}
	if !has(path + ".metrics") {
		// The judge needs at least one metric; these are the two every
		// service behind the router has.
		for _, name := range []string{MetricErrorRate, MetricLatency} {
			c.Metrics = append(c.Metrics, CanaryMetric{Name: name})
		}
	}
	for i := range c.Metrics {
		m := &c.Metrics[i]
		p := item(path+".metrics", i)
		orString(&m.Direction, defaultDirection)
		if !has(p + ".weight") {
			m.Weight = defaultMetricWeight
		}
		if !has(p + ".tolerance") {
			m.Tolerance = defaultTolerance
		}
		if !has(p + ".abs_tolerance") {
			m.AbsTolerance = defaultAbsTolerance[m.Name]
		}
		if m.Critical == nil {
			critical := defaultCritical[m.Name]
			m.Critical = &critical
		}
	}
}

// defaultAbsTolerance is each metric's change, in its own unit, that is
// too small to count.
var defaultAbsTolerance = map[string]float64{MetricErrorRate: 0.001, MetricLatency: 0.005}

// defaultCritical is whether each metric is critical when the file does not
// say: the error rate is, so that no canary passes on its latency alone.
var defaultCritical = map[string]bool{MetricErrorRate: true}

func orString(s *string, def string) {
	if *s == "" {
		*s = def
	}
}
