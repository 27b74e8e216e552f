package contract

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Role is a kind of worker and the only secrets it may hold. A worker
// process serves one or more roles; each role polls its own task queue.
type Role string

// The roles. Deploy is one role per environment, written deploy:ENV.
const (
	// Orchestrate runs the workflows; it holds no secret at all.
	Orchestrate Role = "orchestrate"
	// Source tags, tests, cherry-picks, writes release notes and talks to
	// GitHub: git credentials and the GitHub token.
	Source Role = "source"
	// Build builds and pushes images: the Docker Engine and registry push
	// credentials.
	Build Role = "build"
	// Sign signs and attests images: the signing key and its password.
	// Nothing else holds them.
	Sign Role = "sign"
	// Deploy verifies, migrates, deploys, routes, judges canaries, smoke
	// tests and rolls back in one environment: that environment's target
	// access and the public keys it trusts.
	Deploy Role = "deploy"
	// Notify posts to Slack: its token and signing secret.
	Notify Role = "notify"
)

// Roles lists the roles other than Deploy, in the order a release uses them.
var Roles = []Role{Orchestrate, Source, Build, Sign, Notify}

// WorkflowQueue is the task queue of the workflows: Orchestrate's.
const WorkflowQueue = "signalman"

// Queue is the task queue of a role; env names the environment of Deploy
// and is ignored otherwise.
func Queue(r Role, env string) string {
	switch r {
	case Orchestrate:
		return WorkflowQueue
	case Deploy:
		return WorkflowQueue + "-deploy-" + env
	}
	return WorkflowQueue + "-" + string(r)
}

// Serve is one role a worker serves: a role, and for Deploy its environment.
type Serve struct {
	Role Role
	Env  string
}

// Queue is the task queue the role polls.
func (s Serve) Queue() string { return Queue(s.Role, s.Env) }

// String is the role as --roles writes it: "sign", "deploy:prod".
func (s Serve) String() string {
	if s.Role == Deploy {
		return string(Deploy) + ":" + s.Env
	}
	return string(s.Role)
}

var envName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// ParseRoles reads a --roles list such as "orchestrate,deploy:prod", where
// envs are the environments there are. "all" is every role other than
// Deploy, and deploy:ENV for each of envs; "none" is no role at all.
func ParseRoles(list string, envs []string) ([]Serve, error) {
	var out []Serve
	add := func(s Serve) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "none" && list == "none":
		case item == "all":
			for _, r := range Roles {
				add(Serve{Role: r})
			}
			for _, env := range envs {
				add(Serve{Role: Deploy, Env: env})
			}
		case item == string(Deploy):
			return nil, fmt.Errorf("--roles: %q needs its environment, such as deploy:prod", item)
		case strings.HasPrefix(item, string(Deploy)+":"):
			env := strings.TrimPrefix(item, string(Deploy)+":")
			if !envName.MatchString(env) {
				return nil, fmt.Errorf("--roles: %q: %q is not an environment name (lowercase letters, digits and dashes)", item, env)
			}
			if !slices.Contains(envs, env) {
				return nil, fmt.Errorf("--roles: %q: no environment %q in --environments (%s); add it there", item, env, strings.Join(envs, ", "))
			}
			add(Serve{Role: Deploy, Env: env})
		case slices.Contains(Roles, Role(item)):
			add(Serve{Role: Role(item)})
		default:
			return nil, fmt.Errorf("--roles: %q is not a role; want all, or a list of %s and deploy:ENV", item, strings.Join(roleNames(), ", "))
		}
	}
	return out, nil
}

func roleNames() []string {
	var names []string
	for _, r := range Roles {
		names = append(names, string(r))
	}
	return names
}

// ServeOf is the role whose workers poll queue.
func ServeOf(queue string) (Serve, bool) {
	if queue == WorkflowQueue {
		return Serve{Role: Orchestrate}, true
	}
	if env, ok := strings.CutPrefix(queue, Queue(Deploy, "")); ok && env != "" {
		return Serve{Role: Deploy, Env: env}, true
	}
	for _, r := range Roles {
		if Queue(r, "") == queue {
			return Serve{Role: r}, true
		}
	}
	return Serve{}, false
}
