package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker/client"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/buildnum"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/version"
)

// ErrBuildFailed is a build that failed on its source (a compile error, a
// failing Dockerfile instruction): retrying will not mend it.
const ErrBuildFailed = "BuildFailed"

// Builder builds each service's image from a clean checkout of the release's
// commit and pushes it to the registry, once: a tag that exists is the build
// already done.
type Builder struct {
	// Registry is where images go: host[:port][/path]; an image is
	// Registry/product/service:build-tag.
	Registry string
	// Dir holds the temporary checkouts.
	Dir string
	// Counter hands out build numbers.
	Counter buildnum.Counter
	// Env is added to go build's environment (GOPROXY, GOFLAGS, ...).
	Env []string
	// Docker returns the Docker Engine client for dockerfile services.
	Docker func() (*client.Client, error)
	// Remote gives the registry options (credentials from the keychain).
	Remote func(context.Context) []remote.Option
}

// BuildNumber returns the product's next build number.
func (b *Builder) BuildNumber(ctx context.Context, req contract.BuildNumberRequest) (int, error) {
	n, err := b.Counter.Next(req.Product, 0)
	if err != nil {
		return 0, badInput("%v", err)
	}
	return n, nil
}

// Build builds and pushes one service's image and returns it by digest.
func (b *Builder) Build(ctx context.Context, req contract.BuildRequest) (contract.Artifact, error) {
	tag, err := b.tag(req)
	if err != nil {
		return contract.Artifact{}, err
	}
	opts := b.Remote(ctx)
	log := activity.GetLogger(ctx)
	if desc, err := remote.Head(tag, opts...); err == nil {
		log.Info("image already built", "image", tag.String(), "digest", desc.Digest.String())
		return contract.Artifact{Service: req.Service, Image: tag.String(), Digest: desc.Digest.String()}, nil
	}

	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return contract.Artifact{}, err
	}
	dir, err := os.MkdirTemp(b.Dir, req.Product+"-"+req.Service+"-")
	if err != nil {
		return contract.Artifact{}, err
	}
	defer os.RemoveAll(dir)
	src, err := git.CheckoutClean(ctx, req.RepoURL, req.Commit, filepath.Join(dir, "src"))
	if err != nil {
		return contract.Artifact{}, gitFailure(fmt.Errorf("check out %s at %s: %w", req.RepoURL, req.Commit, err))
	}
	committed, err := src.CommitTime(ctx, "HEAD")
	if err != nil {
		return contract.Artifact{}, err
	}
	source := artifact.Source{Service: req.Service, Version: builtAs(req), Commit: req.Commit, Repository: req.RepoURL, CommitTime: committed}

	heartbeat := lineHeartbeat(ctx)
	img, err := b.build(ctx, req, src.Dir, source, tag, heartbeat)
	if err != nil {
		return contract.Artifact{}, err
	}
	activity.RecordHeartbeat(ctx, "pushing "+tag.String())
	digest, err := artifact.Push(ctx, img, tag, opts...)
	var exists *artifact.TagExistsError
	if errors.As(err, &exists) {
		return contract.Artifact{}, permanent(contract.ErrConflict, err)
	}
	if err != nil {
		return contract.Artifact{}, fmt.Errorf("push %s: %w", tag, err)
	}
	log.Info("image pushed", "image", tag.String(), "digest", digest.DigestStr())
	return contract.Artifact{Service: req.Service, Image: tag.String(), Digest: digest.DigestStr()}, nil
}

// builtAs is the version a build stamps on its binary and image tag: the
// request's, with a branch's slashes (stage/NAME-abc1234) as dashes, which
// neither takes.
func builtAs(req contract.BuildRequest) string {
	if req.Follow == "" {
		return req.Version
	}
	return strings.ReplaceAll(req.Version, "/", "-")
}

// tag is the image tag of a build: Registry/product/service:vX.Y.Z-build.B-sha7.
func (b *Builder) tag(req contract.BuildRequest) (name.Tag, error) {
	if b.Registry == "" {
		return name.Tag{}, badInput("build %s of %s: no registry configured; start the worker with --registry (or --dev)", req.Service, req.Product)
	}
	var bt string
	if req.Follow != "" {
		// A build of a followed branch is named by its commit.
		if !strings.HasPrefix(req.Version, req.Follow+"-") {
			return name.Tag{}, badInput("build %s of %s: %q does not name a commit of %s", req.Service, req.Product, req.Version, req.Follow)
		}
		bt = fmt.Sprintf("%s-build.%d", builtAs(req), req.Number)
	} else {
		v, err := version.Parse(req.Version)
		if err != nil {
			return name.Tag{}, badInput("build %s: %v", req.Service, err)
		}
		if bt, err = version.BuildTag(v, req.Number, req.Commit); err != nil {
			return name.Tag{}, badInput("build %s of %s %s: %v", req.Service, req.Product, req.Version, err)
		}
	}
	tag, err := name.NewTag(fmt.Sprintf("%s/%s/%s:%s", b.Registry, req.Product, req.Service, bt), name.Insecure)
	if err != nil {
		return name.Tag{}, badInput("build %s of %s: image name: %v", req.Service, req.Product, err)
	}
	return tag, nil
}

// build makes the image with the service's build kind.
func (b *Builder) build(ctx context.Context, req contract.BuildRequest, root string, src artifact.Source, tag name.Tag, logLine func(string)) (v1.Image, error) {
	switch req.Build.Kind {
	case config.BuildGo, "":
		img, err := artifact.BuildGo(ctx, artifact.GoBuild{
			SourceDir: root, Context: req.Build.Context, Package: req.Build.Package,
			Service: src.Service, Version: src.Version, Commit: src.Commit, Repository: src.Repository, CommitTime: src.CommitTime,
			Env: b.Env, Log: logLine,
		})
		if err != nil && ctx.Err() == nil {
			return nil, permanent(ErrBuildFailed, err)
		}
		return img, err
	case config.BuildDockerfile:
		cli, err := b.Docker()
		if err != nil {
			return nil, fmt.Errorf("build %s with the Docker Engine: %w", req.Service, err)
		}
		defer cli.Close()
		img, err := artifact.BuildDocker(ctx, cli, artifact.DockerBuild{
			ContextDir: filepath.Join(root, req.Build.Context),
			Dockerfile: req.Build.Dockerfile,
			Labels:     artifact.Labels(src),
			Tag:        "signalman/" + req.Product + "-" + req.Service + ":" + tag.TagStr(),
			Log:        logLine,
		})
		var failed *artifact.BuildError
		if errors.As(err, &failed) {
			return nil, permanent(ErrBuildFailed, err)
		}
		return img, err
	}
	return nil, badInput("build %s: unknown build kind %q", req.Service, req.Build.Kind)
}
