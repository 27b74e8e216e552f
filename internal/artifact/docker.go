package artifact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/client"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// pingTimeout bounds DockerAvailable.
const pingTimeout = 3 * time.Second

// DockerBuild describes an image built by a Docker Engine from a Dockerfile.
type DockerBuild struct {
	// ContextDir is the build context; its .dockerignore is honoured.
	ContextDir string
	// Dockerfile is the Dockerfile's path relative to ContextDir; empty
	// means "Dockerfile".
	Dockerfile string
	// Labels are added to the image configuration (see Labels).
	Labels map[string]string
	// Tag is the engine-local tag of the result, e.g. "signalman/shop-web:v1.101.0";
	// empty leaves the image untagged in the engine.
	Tag string
	// Log, if set, receives each line of build output.
	Log func(line string)
}

// BuildError is a build the engine ran and that failed: a Dockerfile
// instruction, usually, which a retry will not mend.
type BuildError struct {
	// Message is the engine's error message.
	Message string
}

func (e *BuildError) Error() string { return "docker build: " + e.Message }

// DockerClient is a client of the Docker Engine the environment names
// (DOCKER_HOST and friends, or the default socket) that speaks the engine's
// API version.
func DockerClient() (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker engine client: %w", err)
	}
	return cli, nil
}

// DockerAvailable reports whether a Docker Engine answers within a few seconds.
func DockerAvailable(ctx context.Context) bool {
	cli, err := DockerClient()
	if err != nil {
		return false
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	_, err = cli.Ping(ctx)
	return err == nil
}

// BuildDocker has the engine build b with the classic builder, streaming the
// build output to b.Log, and exports the result from the engine, so the caller
// pushes it with Push rather than through the engine.
//
// The exported image is held in memory until it is no longer referenced.
func BuildDocker(ctx context.Context, cli *client.Client, b DockerBuild) (v1.Image, error) {
	dockerfile := b.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if !filepath.IsLocal(filepath.FromSlash(dockerfile)) {
		return nil, fmt.Errorf("docker build of %s: %w: Dockerfile %q must be inside the build context", b.ContextDir, ErrInvalidInput, b.Dockerfile)
	}

	pr, pw := io.Pipe()
	sent := make(chan error, 1)
	go func() {
		err := writeContext(pw, b.ContextDir, filepath.ToSlash(dockerfile))
		pw.CloseWithError(err)
		sent <- err
	}()
	id, err := runBuild(ctx, cli, pr, b, filepath.ToSlash(dockerfile))
	pr.Close() // ends the context writer if the engine stopped reading early
	if serr := <-sent; serr != nil && !errors.Is(serr, io.ErrClosedPipe) {
		return nil, fmt.Errorf("docker build of %s: %w", b.ContextDir, serr)
	}
	if err != nil {
		return nil, err
	}

	img, err := exportImage(ctx, cli, id)
	if err != nil {
		return nil, fmt.Errorf("export %s from the docker engine: %w", id, err)
	}
	return img, nil
}

// runBuild sends the build request and follows its output; it returns the
// built image's id, or the tag when the engine did not report one.
func runBuild(ctx context.Context, cli *client.Client, buildContext io.Reader, b DockerBuild, dockerfile string) (string, error) {
	opts := build.ImageBuildOptions{
		Dockerfile:  dockerfile,
		Labels:      b.Labels,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	}
	if b.Tag != "" {
		opts.Tags = []string{b.Tag}
	}
	resp, err := cli.ImageBuild(ctx, buildContext, opts)
	if err != nil {
		return "", fmt.Errorf("docker build of %s: %w", b.ContextDir, err)
	}
	defer resp.Body.Close()

	id, err := readBuildOutput(resp.Body, b.Log)
	if err != nil {
		return "", err
	}
	if id == "" {
		id = b.Tag
	}
	if id == "" {
		return "", fmt.Errorf("docker build of %s: the engine reported no image id; set a tag", b.ContextDir)
	}
	return id, nil
}

// buildMessage is one message of the engine's JSON build output.
type buildMessage struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	ID          string `json:"id"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
	Aux json.RawMessage `json:"aux"`
}

// readBuildOutput follows the engine's build output: text goes to log line by
// line, an error message becomes a *BuildError, and the id of the built image
// is returned.
func readBuildOutput(r io.Reader, log func(string)) (string, error) {
	if log == nil {
		log = func(string) {}
	}
	dec := json.NewDecoder(r)
	var id, partial string
	for {
		var m buildMessage
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read docker build output: %w", err)
		}
		if msg := m.errorMessage(); msg != "" {
			if partial != "" {
				log(partial)
			}
			log(msg)
			return "", &BuildError{Message: msg}
		}
		if m.Stream != "" {
			lines := strings.Split(partial+m.Stream, "\n")
			partial = lines[len(lines)-1]
			for _, l := range lines[:len(lines)-1] {
				log(strings.TrimRight(l, "\r"))
			}
		}
		if m.Status != "" {
			log(strings.TrimSpace(strings.TrimPrefix(m.ID+": "+m.Status, ": ")))
		}
		if len(m.Aux) > 0 {
			var aux struct {
				ID string `json:"ID"`
			}
			if json.Unmarshal(m.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
	}
	if partial != "" {
		log(partial)
	}
	return id, nil
}

func (m buildMessage) errorMessage() string {
	if m.ErrorDetail != nil && m.ErrorDetail.Message != "" {
		return m.ErrorDetail.Message
	}
	return m.Error
}

// exportImage saves the image ref from the engine and reads it back as a
// v1.Image held in memory.
func exportImage(ctx context.Context, cli *client.Client, ref string) (v1.Image, error) {
	rc, err := cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return tarball.Image(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, nil)
}
