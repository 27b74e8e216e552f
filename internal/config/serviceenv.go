package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// envNameRE is what an environment variable's name may be.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// EnvFor is the plain configuration svc gets in env: its env, with
// env_by_environment's values for env over them.
func (s Service) EnvFor(env string) map[string]string {
	out := maps.Clone(s.Env)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, s.EnvByEnvironment[env])
	return out
}

// reservedEnv says why name is not the service's to set, or "".
func reservedEnv(name string) string {
	switch {
	case name == "HOST" || name == "PORT":
		return "where the service listens is the deploy target's choice"
	case strings.HasPrefix(name, "SIGNALMAN_"):
		return "SIGNALMAN_ variables are Signalman's own (SIGNALMAN_ENV, SIGNALMAN_VERSION)"
	}
	return ""
}

func (p *Pipeline) validateServiceEnv(path string, s Service, ps *problems) {
	checkVars := func(at string, vars map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(vars)) {
			field := child(at, k)
			switch {
			case !envNameRE.MatchString(k):
				ps.add(field, "%q is not an environment variable's name (letters, digits and _, not starting with a digit)", k)
			case reservedEnv(k) != "":
				ps.add(field, "%s cannot be set here: %s", k, reservedEnv(k))
			case slices.Contains(s.Secrets, k):
				ps.add(field, "%s is also under secrets: a variable is either plain configuration or a secret", k)
			case strings.ContainsAny(vars[k], "\n\r\x00"):
				ps.add(field, "the value has a line break or NUL, which an environment variable cannot carry to every target")
			}
		}
	}
	checkVars(path+".env", s.Env)
	for _, env := range slices.Sorted(maps.Keys(s.EnvByEnvironment)) {
		at := child(path+".env_by_environment", env)
		if _, ok := p.Environments[env]; !ok {
			ps.add(at, "%q is not an environment of this file (environments: %s)", env, strings.Join(slices.Sorted(maps.Keys(p.Environments)), ", "))
			continue
		}
		checkVars(at, s.EnvByEnvironment[env])
	}
	seen := map[string]bool{}
	for i, name := range s.Secrets {
		field := item(path+".secrets", i)
		switch {
		case !envNameRE.MatchString(name):
			ps.add(field, "%q is not an environment variable's name (a secret is named by the variable the service reads it from)", name)
		case reservedEnv(name) != "":
			ps.add(field, "%s cannot be a secret: %s", name, reservedEnv(name))
		case seen[name]:
			ps.add(field, "%s is listed twice", name)
		}
		seen[name] = true
	}
}
