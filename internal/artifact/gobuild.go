package artifact

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// GoBuild describes a Go service built into an image without a Docker Engine.
//
// The binary is linked with -X main.version=<Version>, so a service that
// declares `var version string` in its main package can report the release it
// belongs to.
type GoBuild struct {
	// SourceDir is the root of the checkout.
	SourceDir string
	// Context is the directory holding the service's go.mod, relative to
	// SourceDir; empty means SourceDir itself.
	Context string
	// Package is the main package relative to Context, e.g. "." or "./cmd/x";
	// empty means ".".
	Package string

	// Service, Version, Commit, Repository and CommitTime name the release
	// (see Source); CommitTime is the mtime of every file in the image and
	// the image's creation time.
	Service    string
	Version    string
	Commit     string
	Repository string
	CommitTime time.Time

	// Env is added to the worker's environment for go build (GOPROXY,
	// GOPRIVATE, GOFLAGS, ...). CGO_ENABLED, GOOS and GOARCH are always set
	// by BuildGo and cannot be overridden.
	Env []string
	// Log, if set, receives each line go build prints.
	Log func(line string)
}

// Source returns the release b builds.
func (b GoBuild) Source() Source {
	return Source{Service: b.Service, Version: b.Version, Commit: b.Commit, Repository: b.Repository, CommitTime: b.CommitTime}
}

// BinaryPath is where a Go service's binary sits in its image.
func BinaryPath(service string) string { return "/app/" + service }

// BuildGo compiles the service with the go command of the worker and packs the
// static binary into a one-layer OCI image whose entrypoint is
// BinaryPath(b.Service).
//
// The image depends only on the source and the build inputs: the same commit
// built twice gives the same digest.
func BuildGo(ctx context.Context, b GoBuild) (v1.Image, error) {
	if err := b.validate(); err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "signalman-gobuild-")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", b.Service, err)
	}
	defer os.RemoveAll(out)

	bin := filepath.Join(out, b.Service)
	if err := b.compile(ctx, bin); err != nil {
		return nil, err
	}
	img, err := goImage(b, bin)
	if err != nil {
		return nil, fmt.Errorf("image of %s %s: %w", b.Service, b.Version, err)
	}
	return img, nil
}

// GoFlags are the go build flags BuildGo uses for a version, for provenance.
//
// The symbol table stays (no -s): the vulnerability gate reads it to tell
// the vulnerable functions a binary links from those it does not.
func GoFlags(version string) []string {
	return []string{"-trimpath", "-buildvcs=false", "-ldflags", "-w -X main.version=" + version}
}

// compile runs go build, writing the binary to bin.
func (b GoBuild) compile(ctx context.Context, bin string) error {
	dir := filepath.Join(b.SourceDir, filepath.FromSlash(orDot(b.Context)))
	pkg := "./" + filepath.ToSlash(filepath.Clean(orDot(b.Package)))
	args := append([]string{"build"}, GoFlags(b.Version)...)
	args = append(args, "-o", bin, pkg)

	env := append(os.Environ(), b.Env...)
	env = append(env, "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)

	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	if err := runLogged(cmd, b.Log); err != nil {
		return fmt.Errorf("go build %s in %s for %s %s: %w", pkg, orDot(b.Context), b.Service, b.Version, err)
	}
	return nil
}

// goImage packs the binary at bin into the service's image.
func goImage(b GoBuild, bin string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	created := commitTime(b.CommitTime)
	entry := BinaryPath(b.Service)
	layer, err := fileLayer(entry, data, created)
	if err != nil {
		return nil, err
	}
	return singleLayerImage(layer, imageConfig{
		entrypoint: entry,
		created:    created,
		labels:     Labels(b.Source()),
		createdBy:  "go build " + quoteArgs(GoFlags(b.Version)) + " " + orDot(b.Package),
	})
}

// Labels are the OCI annotation labels an image of src carries.
func Labels(src Source) map[string]string {
	labels := map[string]string{
		"org.opencontainers.image.title":    src.Service,
		"org.opencontainers.image.version":  src.Version,
		"org.opencontainers.image.revision": src.Commit,
		"org.opencontainers.image.source":   src.Repository,
		"org.opencontainers.image.created":  commitTime(src.CommitTime).Format(time.RFC3339),
	}
	for k, v := range labels {
		if v == "" {
			delete(labels, k)
		}
	}
	return labels
}

// quoteArgs joins args as a shell would read them back.
func quoteArgs(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " \t'\"") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(quoted, " ")
}

var (
	serviceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	versionText = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
)

func (b GoBuild) validate() error {
	switch {
	case b.SourceDir == "":
		return fmt.Errorf("build %s: %w: no source directory", b.Service, ErrInvalidInput)
	case !serviceName.MatchString(b.Service):
		return fmt.Errorf("build: %w: service name %q must be letters, digits, '.', '_' or '-'", ErrInvalidInput, b.Service)
	case !versionText.MatchString(b.Version):
		return fmt.Errorf("build %s: %w: version %q must be letters, digits, '.', '_', '+' or '-'", b.Service, ErrInvalidInput, b.Version)
	case !filepath.IsLocal(filepath.FromSlash(orDot(b.Context))):
		return fmt.Errorf("build %s: %w: context %q must be a directory inside the checkout", b.Service, ErrInvalidInput, b.Context)
	case !filepath.IsLocal(filepath.FromSlash(orDot(b.Package))):
		return fmt.Errorf("build %s: %w: package %q must be a directory inside the context %q", b.Service, ErrInvalidInput, b.Package, orDot(b.Context))
	}
	return nil
}

func orDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

// commitTime is t in UTC to the second, or the Unix epoch for the zero time,
// which a tar header cannot hold.
func commitTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC().Truncate(time.Second)
}
