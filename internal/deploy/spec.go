package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// Defaults of the zero fields of a Spec.
const (
	DefaultHealth         = "/healthz"
	DefaultHealthTimeout  = 30 * time.Second
	DefaultHealthInterval = 250 * time.Millisecond
)

// Spec is what to start: which image, how many instances, and how to know
// they are healthy.
type Spec struct {
	Product, Env, Service, Version string
	// Image is the image by digest (repo@sha256:...), the only thing run.
	Image string
	// Deployment identifies this start, e.g. "v1.101.0/canary": Start is
	// idempotent per Deployment.
	Deployment string
	// Instances is how many to start; zero means one.
	Instances int
	// Health is the path answering 2xx once an instance is ready;
	// empty means DefaultHealth.
	Health string
	// HealthTimeout bounds the wait for each instance to be healthy;
	// zero means DefaultHealthTimeout.
	HealthTimeout time.Duration
	// HealthInterval is the pause between health checks; zero means
	// DefaultHealthInterval.
	HealthInterval time.Duration
	// EnvVars are extra environment variables for the service (Env names the
	// environment deployed to). HOST and PORT are set by the target and
	// cannot be overridden.
	EnvVars map[string]string
}

// nameRE is what a product, environment or service name may be: it becomes
// a path component and part of a container name.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// checked returns s with its defaults applied and its image reference, or
// an error wrapping ErrInvalidSpec.
func (s Spec) checked() (Spec, name.Digest, error) {
	for _, f := range []struct{ field, value string }{
		{"product", s.Product}, {"env", s.Env}, {"service", s.Service},
	} {
		if !nameRE.MatchString(f.value) {
			return s, name.Digest{}, fmt.Errorf("%w: %s %q must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit",
				ErrInvalidSpec, f.field, f.value)
		}
	}
	if s.Deployment == "" {
		return s, name.Digest{}, fmt.Errorf("%w: %s/%s/%s: deployment is empty; it identifies the start so that a retry does not start more",
			ErrInvalidSpec, s.Product, s.Env, s.Service)
	}
	ref, err := digestRef(s.Image)
	if err != nil {
		return s, name.Digest{}, fmt.Errorf("%s/%s/%s: %w", s.Product, s.Env, s.Service, err)
	}
	if s.Instances < 0 {
		return s, name.Digest{}, fmt.Errorf("%w: %s/%s/%s: instances is %d", ErrInvalidSpec, s.Product, s.Env, s.Service, s.Instances)
	}
	if s.Instances == 0 {
		s.Instances = 1
	}
	if s.Health == "" {
		s.Health = DefaultHealth
	}
	if !strings.HasPrefix(s.Health, "/") {
		return s, name.Digest{}, fmt.Errorf("%w: %s/%s/%s: health path %q must start with /", ErrInvalidSpec, s.Product, s.Env, s.Service, s.Health)
	}
	if s.HealthTimeout <= 0 {
		s.HealthTimeout = DefaultHealthTimeout
	}
	if s.HealthInterval <= 0 {
		s.HealthInterval = DefaultHealthInterval
	}
	return s, ref, nil
}

// digestRef parses an image reference that must name a sha256 digest (the
// only algorithm the parser accepts).
func digestRef(image string) (name.Digest, error) {
	ref, err := name.NewDigest(image)
	if err != nil {
		return name.Digest{}, fmt.Errorf("%w: image %q is not addressed by digest (want repo@sha256:<64 hex digits>): %v", ErrInvalidSpec, image, err)
	}
	return ref, nil
}

// instance is the Instance the i-th instance of s will be, without what
// only starting it tells (address, process, container, start time).
func (s Spec) instance(ref name.Digest, i int) Instance {
	return Instance{
		ID:         s.deploymentKey() + "-" + strconv.Itoa(i),
		Product:    s.Product,
		Env:        s.Env,
		Service:    s.Service,
		Version:    s.Version,
		Digest:     ref.DigestStr(),
		Deployment: s.Deployment,
	}
}

// deploymentKey names the deployment readably and uniquely: the service,
// the deployment made fit for a file or container name, and a short hash of
// everything that identifies it, so that "v1/a" and "v1-a" differ.
func (s Spec) deploymentKey() string {
	sum := sha256.Sum256([]byte(s.Product + "\x00" + s.Env + "\x00" + s.Service + "\x00" + s.Deployment))
	return s.Service + "-" + slug(s.Deployment) + "-" + hex.EncodeToString(sum[:4])
}

// slug keeps letters, digits, '.', '_' and '-' of s, turns the rest into
// '-', and caps the length.
func slug(s string) string {
	const maxLen = 40
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > maxLen {
		b = b[:maxLen]
	}
	out := strings.Trim(string(b), "-._")
	if out == "" {
		return "d"
	}
	return out
}

// serviceEnv is extra as sorted KEY=value pairs without HOST and PORT, then
// HOST and PORT: where a service listens is the target's choice.
func serviceEnv(extra map[string]string, host, port string) []string {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if k != "HOST" && k != "PORT" {
			env = append(env, k+"="+extra[k])
		}
	}
	return append(env, "HOST="+host, "PORT="+port)
}

// idRE is what an instance ID looks like; an ID from elsewhere is checked
// against it before it becomes part of a path.
var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
