package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxNameLen bounds product and service names, which end up in workflow
// IDs, image names, labels and DNS names.
const maxNameLen = 40

// maxInstances bounds the instances of one service.
const maxInstances = 20

// Validate reports every problem of p, as Errors whose fields are named but
// whose file and line are not: Parse and Load add them. A Pipeline from
// Parse or Load is already valid.
func (p *Pipeline) Validate() error {
	if errs := p.validate(); len(errs) > 0 {
		return Errors(errs)
	}
	return nil
}

// problems collects what validation finds.
type problems []*Error

func (ps *problems) add(field, format string, args ...any) {
	*ps = append(*ps, &Error{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *Pipeline) validate() []*Error {
	var ps problems
	switch {
	case p.Product == "":
		ps.add("product", "missing; name the product, such as product: shop")
	case !validName(p.Product):
		ps.add("product", "%s", badName(p.Product))
	}
	p.validateSource(&ps)
	p.validateServices(&ps)
	p.validateMigrations(&ps)
	p.validateAssets(&ps)
	p.validateEnvironments(&ps)
	p.validateApprovers(&ps)
	p.validatePeople(&ps)
	p.validatePermissions(&ps)
	p.validateOncall(&ps)
	p.validateRelease(&ps)
	p.validateNotifications(&ps)
	p.validateRetention(&ps)
	p.validateSecurity(&ps)
	return ps
}

func (p *Pipeline) validateSource(ps *problems) {
	if p.Repository.URL == "" {
		ps.add("repository.url", "missing; set it to what git clone takes: a path, or a file://, https:// or ssh URL")
	}
	if pu := p.Repository.PrivateURL; pu != "" && pu == p.Repository.URL {
		ps.add("repository.private_url", "is the public repository (url): security fixes need a private repository of their own")
	}
	if gh := p.Repository.GitHub; gh != "" {
		owner, name, ok := strings.Cut(gh, "/")
		if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/ \t") || strings.ContainsAny(owner, " \t") {
			ps.add("repository.github", "%q is not owner/name (want one such as signalman/shop)", gh)
		}
	}
	if api := p.Repository.GitHubAPI; api != "" {
		u, err := url.Parse(api)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add("repository.github_api", "%q is not an http(s) URL (want your GitHub Enterprise server's, such as https://github.example.com, or leave github_api out for github.com)", api)
		}
	}
	if env := p.Repository.GitHubTokenEnv; env != "" && !validEnvName(env) {
		ps.add("repository.github_token_env", "%q is not an environment variable name (want letters, digits and underscores, not starting with a digit, such as GITHUB_TOKEN)", env)
	}
	if p.Tests.GitHubChecks && p.Repository.GitHub == "" {
		ps.add("tests.github_checks", "is true, but repository.github is not set; set github: owner/name under repository, or remove github_checks")
	}
	if p.Versioning.Major < 0 {
		ps.add("versioning.major", "%d is negative (want 0 or more)", p.Versioning.Major)
	}
	if p.Tests.Timeout <= 0 {
		ps.add("tests.timeout", "%s is not positive (want a duration such as 30m)", p.Tests.Timeout)
	}
}

func (p *Pipeline) validateServices(ps *problems) {
	if len(p.Services) == 0 {
		ps.add("services", "none listed; list at least one service to deploy, such as - name: api")
	}
	first := make(map[string]int)
	for i, s := range p.Services {
		path := item("services", i)
		switch {
		case s.Name == "":
			ps.add(path+".name", "missing; name the service, such as name: api")
		case !validName(s.Name):
			ps.add(path+".name", "%s", badName(s.Name))
		default:
			if j, ok := first[s.Name]; ok {
				ps.add(path+".name", "%q is already the name of services[%d]; service names must be unique", s.Name, j)
			} else {
				first[s.Name] = i
			}
		}
		s.validate(path, ps)
		p.validateServiceEnv(path, s, ps)
	}
	p.validateOwners(ps)
}

func (s *Service) validate(path string, ps *problems) {
	if s.Instances < 1 || s.Instances > maxInstances {
		ps.add(path+".instances", "%d is out of range (want 1 to %d)", s.Instances, maxInstances)
	}
	if s.Port != 0 && (s.Port < 1 || s.Port > 65535) {
		ps.add(path+".port", "%d is out of range (want 1 to 65535, or leave port out)", s.Port)
	}
	b := s.Build
	switch b.Kind {
	case BuildGo:
		if b.Dockerfile != "" {
			ps.add(path+".build.dockerfile", "is set, but build.kind is go; set kind: dockerfile or remove dockerfile")
		}
	case BuildDockerfile:
		if b.Package != "" {
			ps.add(path+".build.package", "is set, but build.kind is dockerfile; set kind: go or remove package")
		}
	default:
		ps.add(path+".build.kind", "%q is not a build kind (want go or dockerfile)", b.Kind)
	}
	if !strings.HasPrefix(s.Health.Path, "/") {
		ps.add(path+".health.path", "%q does not start with \"/\" (want a path such as /healthz)", s.Health.Path)
	}
	if s.Health.Timeout <= 0 {
		ps.add(path+".health.timeout", "%s is not positive (want a duration such as 60s)", s.Health.Timeout)
	}
	if s.Health.Interval <= 0 {
		ps.add(path+".health.interval", "%s is not positive (want a duration such as 1s)", s.Health.Interval)
	}
	for j, sm := range s.Smoke {
		sp := item(path+".smoke", j)
		switch {
		case sm.Path == "":
			ps.add(sp+".path", "missing; give the path to request, such as path: /")
		case !strings.HasPrefix(sm.Path, "/"):
			ps.add(sp+".path", "%q does not start with \"/\" (want a path such as /api/ping)", sm.Path)
		}
		if sm.Status < 100 || sm.Status > 599 {
			ps.add(sp+".status", "%d is not an HTTP status (want 100 to 599)", sm.Status)
		}
	}
}

func (p *Pipeline) validateMigrations(ps *problems) {
	services := make([]string, 0, len(p.Services))
	for _, s := range p.Services {
		if s.Name != "" {
			services = append(services, s.Name)
		}
	}
	oneOf := "one of " + strings.Join(services, ", ")
	if len(services) == 0 {
		oneOf = "list the service under services first"
	}
	first := make(map[string]int)
	for i, m := range p.Migrations {
		path := item("migrations", i)
		if m.Name == "" {
			ps.add(path+".name", "missing; name the migration, such as name: add-orders-index")
		} else if j, ok := first[m.Name]; ok {
			ps.add(path+".name", "%q is already the name of migrations[%d]; migration names must be unique", m.Name, j)
		} else {
			first[m.Name] = i
		}
		if strings.TrimSpace(m.Command) == "" {
			ps.add(path+".command", "missing; give the shell command that applies the migration")
		}
		switch {
		case m.Before == "":
			ps.add(path+".before", "missing; name the service that needs this migration (%s)", oneOf)
		case !slices.Contains(services, m.Before):
			ps.add(path+".before", "%q is not a service (want %s)", m.Before, oneOf)
		}
	}
}

func (p *Pipeline) validateRelease(ps *problems) {
	r := p.Release
	if r.BuildParallelism < 1 || r.BuildParallelism > 32 {
		ps.add("release.build_parallelism", "%d is out of range (want 1 to 32)", r.BuildParallelism)
	}
	if r.ShipDelay < 0 {
		ps.add("release.ship_delay", "%s is negative (want 0 or more, such as 5m)", r.ShipDelay)
	}
	for i, m := range r.Managers {
		if strings.TrimSpace(m) == "" {
			ps.add(item("release.managers", i), "empty name; write the person's name or remove the line")
		}
	}
	var windowed []string
	for _, name := range slices.Sorted(maps.Keys(p.Environments)) {
		if w := p.Environments[name].Window; w != nil && !w.Always {
			windowed = append(windowed, name)
		}
	}
	if _, ok := p.Approvers[r.ExceptionRole]; len(windowed) > 0 && !ok {
		ps.add("release.exception_role", "%q is not a role under approvers, but exceptions to the deploy window of %s need one; list people under approvers.%s, or name another role%s",
			r.ExceptionRole, strings.Join(windowed, " and "), r.ExceptionRole, roleChoice(p.Approvers))
	}
}

func (p *Pipeline) validateRetention(ps *problems) {
	r := p.Retention
	if r.Releases < 1 {
		ps.add("retention.releases", "%d would leave no release to roll back to or to compare with; keep at least 1 (default 10); what runs in an environment is always kept", r.Releases)
	}
	if r.Checkouts < time.Hour {
		ps.add("retention.checkouts", "%s is shorter than an hour, so a checkout in use by a running build or test could be removed; keep them at least 1h (default 168h)", r.Checkouts)
	}
	if r.Every < time.Hour {
		ps.add("retention.every", "%s is shorter than an hour (want how often to prune, such as 24h)", r.Every)
	}
}

func (p *Pipeline) validateNotifications(ps *problems) {
	if w := p.Notifications.Webhook; w != nil {
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add("notifications.webhook.url", "%q is not an http(s) URL (want the receiver's, such as https://pager.example.com/signalman)", w.URL)
		}
		if !validEnvName(w.SecretEnv) {
			ps.add("notifications.webhook.secret_env", "%q is not an environment variable name (want letters, digits and underscores, such as SIGNALMAN_WEBHOOK_SECRET)", w.SecretEnv)
		}
	}
	s := p.Notifications.Slack
	if s == nil {
		return
	}
	if strings.TrimSpace(s.Channel) == "" {
		ps.add("notifications.slack.channel", "missing; name the channel to post to, such as channel: \"#releases\"")
	}
	if !validEnvName(s.TokenEnv) {
		ps.add("notifications.slack.token_env", "%q is not an environment variable name (want letters, digits and underscores, not starting with a digit, such as SLACK_BOT_TOKEN)", s.TokenEnv)
	}
}

// validName reports whether s can name a product or service: like a DNS
// label, lowercase letters, digits and inner dashes, at most maxNameLen long.
func validName(s string) bool {
	if s == "" || len(s) > maxNameLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

func badName(s string) string {
	return fmt.Sprintf("%q is not a valid name (want lowercase letters, digits and dashes, at most %d characters, not starting or ending with a dash)", s, maxNameLen)
}

// validEnvName reports whether s can name an environment variable.
func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}
