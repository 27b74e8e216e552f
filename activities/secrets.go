package activities

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/signalman/signalman/internal/contract"
)

// secretEnvPrefix is the prefix of the worker's environment variables that
// may hold services' secrets: only those, so a pipeline file cannot name
// one of the worker's own secrets (COSIGN_PASSWORD, a cloud credential)
// and have it handed to a service.
const secretEnvPrefix = "SIGNALMAN_SECRET_"

// Secrets reads the services' secrets where the deploy worker keeps them,
// at deploy time, so a rotated value is what the next deploy gets. Values
// go only to the deploy target; never into a result, an error or a log.
type Secrets struct {
	// Dir holds one file a secret, DIR/ENV/NAME or DIR/NAME, its content
	// the value (a final line break dropped); empty looks only in the
	// environment.
	Dir string
}

// serviceEnv is what the service of req gets: its configuration for the
// environment, its secrets read now, and SIGNALMAN_ENV and
// SIGNALMAN_VERSION.
func (s Secrets) serviceEnv(req contract.DeployRequest) (map[string]string, error) {
	vars := req.Service.EnvFor(req.Env)
	var missing []string
	for _, name := range req.Service.Secrets {
		v, ok, err := s.read(req.Env, name)
		switch {
		case err != nil:
			return nil, fmt.Errorf("deploy %s %s to %s: secret %s: %w", req.Service.Name, req.Version, req.Env, name, err)
		case !ok:
			missing = append(missing, name)
		default:
			vars[name] = v
		}
	}
	if len(missing) > 0 {
		where := "in this worker's environment as " + secretEnvPrefix + "NAME"
		if s.Dir != "" {
			where = fmt.Sprintf("in its secrets directory as %s/NAME or NAME, or %s", req.Env, where)
		}
		return nil, permanent(contract.ErrRefused, fmt.Errorf("deploy %s %s to %s: secret %s missing on the deploy worker of %s: nothing was started; give each %s",
			req.Service.Name, req.Version, req.Env, strings.Join(missing, ", "), req.Env, where))
	}
	vars["SIGNALMAN_ENV"], vars["SIGNALMAN_VERSION"] = req.Env, req.Version
	return vars, nil
}

// read finds one secret: the environment's file, the shared file, then the
// worker's environment.
func (s Secrets) read(env, name string) (string, bool, error) {
	if s.Dir != "" {
		for _, path := range []string{filepath.Join(s.Dir, env, name), filepath.Join(s.Dir, name)} {
			data, err := os.ReadFile(path)
			if err == nil {
				return strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r"), true, nil
			}
			if !errors.Is(err, os.ErrNotExist) {
				// The error names the file, never its content.
				return "", false, err
			}
		}
	}
	v, ok := os.LookupEnv(secretEnvPrefix + name)
	return v, ok, nil
}
