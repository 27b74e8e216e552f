package deploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
	"github.com/google/go-containerregistry/pkg/name"
)

// servicePort is the port a service listens on inside its container.
const servicePort = "8080"

// containerPort is servicePort as the engine names it.
const containerPort = nat.Port(servicePort + "/tcp")

// Docker is the target that runs instances as containers of a Docker Engine
// on this host, labelled with their product, environment, service, version,
// digest and deployment (see the Label constants).
//
// Each container gets PORT=8080 and HOST=0.0.0.0, publishes 8080/tcp on a
// free port of 127.0.0.1 and restarts unless stopped, so it survives a
// restart of the engine and of the worker.
type Docker struct {
	// Client is the engine's client; create it with API version
	// negotiation (client.WithAPIVersionNegotiation) to talk to older engines.
	Client *client.Client
	// Grace is how long Stop lets a container end after SIGTERM before the
	// engine kills it; zero means DefaultGrace.
	Grace time.Duration
	// Site names the installation the containers belong to (SiteOf a
	// worker's data directory): one engine may serve several, and each
	// sees, keeps and stops only its own containers (LabelSite). Containers
	// without the label (started before sites existed) belong to every site.
	Site string
}

// SiteOf names the installation whose deploy records live in dataDir: a
// short hash of its absolute path.
func SiteOf(dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	sum := sha256.Sum256([]byte(dataDir))
	return hex.EncodeToString(sum[:6])
}

var _ Target = (*Docker)(nil)

// Start has the engine pull spec.Image by digest (unless it has it), then
// creates, starts and health-checks spec.Instances containers, waiting until
// every one answers its health path on its published port.
//
// A container of spec.Deployment already running from an earlier Start is
// kept (after a health check); one that has stopped is replaced. If an
// instance does not become healthy, every container of the deployment is
// removed and the error (an *UnhealthyError for each) carries its output.
func (d *Docker) Start(ctx context.Context, spec Spec) ([]Instance, error) {
	spec, ref, err := spec.checked()
	if err != nil {
		return nil, err
	}
	if d.Client == nil {
		return nil, errors.New("docker target: no engine client")
	}
	where := spec.Product + "/" + spec.Env + "/" + spec.Service
	if err := d.pull(ctx, ref); err != nil {
		return nil, fmt.Errorf("start %s: %w", where, err)
	}

	var instances []Instance
	fail := func(err error) ([]Instance, error) {
		d.Stop(context.WithoutCancel(ctx), instances)
		return nil, err
	}
	for i := range spec.Instances {
		in, err := d.ensure(ctx, spec, spec.instance(ref, i))
		if err != nil {
			return fail(fmt.Errorf("start %s: %w", where, err))
		}
		instances = append(instances, in)
	}

	errs := make([]error, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		h := healthCheck{
			URL:      in.Addr + spec.Health,
			Timeout:  spec.HealthTimeout,
			Interval: spec.HealthInterval,
			Ended:    func(ctx context.Context) string { return d.ended(ctx, in.Container) },
		}
		wg.Go(func() { errs[i] = h.wait(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		var nh notHealthy
		if errors.As(err, &nh) {
			errs[i] = &UnhealthyError{Instance: instances[i], Reason: string(nh), LogTail: d.logTail(ctx, instances[i].Container)}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fail(fmt.Errorf("start %s %s: %w", where, spec.Deployment, err))
	}
	return instances, nil
}

// pull has the engine pull ref unless it has it already, and checks that
// what it has is that digest.
func (d *Docker) pull(ctx context.Context, ref name.Digest) error {
	if err := d.hasImage(ctx, ref); err == nil {
		return nil
	}
	rc, err := d.Client.ImagePull(ctx, ref.String(), image.PullOptions{})
	if err != nil {
		return pullError(ref, err)
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	for {
		var m pullMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return pullError(ref, err)
		}
		if m.Detail.Message != "" {
			return pullError(ref, errors.New(m.Detail.Message))
		}
		if m.Error != "" {
			return pullError(ref, errors.New(m.Error))
		}
	}
	return d.hasImage(ctx, ref)
}

// pullMessage is the part of a line of the engine's pull progress stream
// that reports a failure.
type pullMessage struct {
	Error  string `json:"error"`
	Detail struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
}

// hasImage checks that the engine has the image of ref, by that digest.
func (d *Docker) hasImage(ctx context.Context, ref name.Digest) error {
	img, err := d.Client.ImageInspect(ctx, ref.String())
	if err != nil {
		return err
	}
	for _, rd := range img.RepoDigests {
		if strings.HasSuffix(rd, "@"+ref.DigestStr()) {
			return nil
		}
	}
	return fmt.Errorf("%w: the engine's image for %s has digests %v", ErrBadImage, ref, img.RepoDigests)
}

// pullError explains a failed pull: the engine, not the worker, talks to the
// registry, so the registry must be reachable from wherever the engine runs.
func pullError(ref name.Digest, err error) error {
	return fmt.Errorf("the docker engine could not pull %s: %w; the engine itself must reach registry %s "+
		"(one on 127.0.0.1 only from an engine on this host, and a plain-HTTP one only if the engine allows it as an insecure registry)",
		ref, err, ref.RegistryStr())
}

// ensure returns the running container of instance in, creating and
// starting it if there is none.
func (d *Docker) ensure(ctx context.Context, spec Spec, in Instance) (Instance, error) {
	cname := d.containerName(in)
	got, err := d.Client.ContainerInspect(ctx, cname)
	switch {
	case err == nil:
		if digest := got.Config.Labels[LabelDigest]; digest != in.Digest {
			return Instance{}, fmt.Errorf("%w: deployment %q already runs %s in container %s, not %s; use a new deployment id for a new image",
				ErrInvalidSpec, spec.Deployment, digest, cname, in.Digest)
		}
		if got.State != nil && got.State.Running && !got.State.Restarting {
			return instanceOf(got)
		}
		if err := d.Client.ContainerRemove(ctx, got.ID, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			return Instance{}, fmt.Errorf("replace stopped container %s: %w", cname, err)
		}
	case !cerrdefs.IsNotFound(err):
		return Instance{}, fmt.Errorf("inspect container %s: %w", cname, err)
	}

	cfg := &container.Config{
		Image:        spec.Image,
		Env:          serviceEnv(spec.EnvVars, "0.0.0.0", servicePort),
		ExposedPorts: nat.PortSet{containerPort: struct{}{}},
		Labels: map[string]string{
			LabelSite:       d.Site,
			LabelProduct:    in.Product,
			LabelEnv:        in.Env,
			LabelService:    in.Service,
			LabelVersion:    in.Version,
			LabelDigest:     in.Digest,
			LabelDeployment: in.Deployment,
			LabelInstance:   in.ID,
		},
	}
	host := &container.HostConfig{
		// An empty host port has the engine choose a free one.
		PortBindings:  nat.PortMap{containerPort: {{HostIP: "127.0.0.1", HostPort: ""}}},
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
	}
	created, err := d.Client.ContainerCreate(ctx, cfg, host, nil, nil, cname)
	if err != nil {
		return Instance{}, fmt.Errorf("create container %s: %w", cname, err)
	}
	if err := d.Client.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		d.Client.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return Instance{}, fmt.Errorf("start container %s: %w", cname, err)
	}
	started, err := d.published(ctx, created.ID)
	if err != nil {
		d.Client.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return Instance{}, err
	}
	return started, nil
}

// published reads a just-started container's instance, waiting briefly
// for the engine to publish its port. A service that dies at once has no
// port to publish: the error then says how it ended and what it wrote.
func (d *Docker) published(ctx context.Context, id string) (Instance, error) {
	for try := 0; ; try++ {
		got, err := d.Client.ContainerInspect(ctx, id)
		if err != nil {
			return Instance{}, fmt.Errorf("inspect container %s: %w", id, err)
		}
		in, err := instanceOf(got)
		if err == nil {
			return in, nil
		}
		if why := endedReason(got.State); why != "" {
			return in, &UnhealthyError{Instance: in, Reason: why, LogTail: d.logTail(ctx, id)}
		}
		if try == 20 {
			return in, err
		}
		select {
		case <-ctx.Done():
			return in, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// containerName is the engine-wide name of an instance's container.
func (d *Docker) containerName(in Instance) string {
	if d.Site == "" {
		return "signalman-" + in.Product + "-" + in.Env + "-" + in.ID
	}
	return "signalman-" + d.Site + "-" + in.Product + "-" + in.Env + "-" + in.ID
}

// ours reports whether a container with labels belongs to d's site.
func (d *Docker) ours(labels map[string]string) bool {
	site := labels[LabelSite]
	return site == "" || site == d.Site
}

// instanceOf reads an instance from its container's labels and state.
func instanceOf(c container.InspectResponse) (Instance, error) {
	labels := c.Config.Labels
	in := Instance{
		ID:         labels[LabelInstance],
		Product:    labels[LabelProduct],
		Env:        labels[LabelEnv],
		Service:    labels[LabelService],
		Version:    labels[LabelVersion],
		Digest:     labels[LabelDigest],
		Deployment: labels[LabelDeployment],
		Container:  c.ID,
	}
	if c.State != nil {
		in.Started, _ = time.Parse(time.RFC3339Nano, c.State.StartedAt)
	}
	if c.NetworkSettings != nil {
		for _, b := range c.NetworkSettings.Ports[containerPort] {
			if b.HostPort != "" {
				in.Addr = "http://127.0.0.1:" + b.HostPort
				break
			}
		}
	}
	if in.Addr == "" {
		return in, fmt.Errorf("container %s of instance %s publishes no port for %s", strings.TrimPrefix(c.Name, "/"), in.ID, containerPort)
	}
	return in, nil
}

// ended says how a container ended, or "" while it runs.
func (d *Docker) ended(ctx context.Context, id string) string {
	c, err := d.Client.ContainerInspect(ctx, id)
	switch {
	case cerrdefs.IsNotFound(err):
		return "its container is gone"
	case err != nil:
		return ""
	}
	return endedReason(c.State)
}

// endedReason says how a container in state st ended, or "" while it runs.
func endedReason(st *container.State) string {
	switch {
	case st == nil:
		return ""
	case st.Restarting:
		return fmt.Sprintf("it exited with code %d and the engine is restarting it", st.ExitCode)
	case !st.Running:
		return fmt.Sprintf("it ended (%s, exit code %d) before it was healthy", st.Status, st.ExitCode)
	}
	return ""
}

// logTail returns the last lines a container wrote, stdout and stderr merged.
func (d *Docker) logTail(ctx context.Context, id string) []string {
	rc, err := d.Client.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(tailLines)})
	if err != nil {
		return nil
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil && out.Len() == 0 {
		return nil
	}
	return tailLinesOf(out.String(), false, tailLines)
}

// Running returns the running containers of a service, oldest first.
func (d *Docker) Running(ctx context.Context, product, env, service string) ([]Instance, error) {
	if d.Client == nil {
		return nil, errors.New("docker target: no engine client")
	}
	list, err := d.Client.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(
		filters.Arg("label", LabelProduct+"="+product),
		filters.Arg("label", LabelEnv+"="+env),
		filters.Arg("label", LabelService+"="+service),
		filters.Arg("status", "running"),
	)})
	if err != nil {
		return nil, fmt.Errorf("running containers of %s/%s/%s: %w", product, env, service, err)
	}
	var out []Instance
	for _, c := range list {
		if !d.ours(c.Labels) {
			continue
		}
		got, err := d.Client.ContainerInspect(ctx, c.ID)
		if cerrdefs.IsNotFound(err) || err == nil && (got.State == nil || !got.State.Running) {
			continue // stopped or removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("running containers of %s/%s/%s: %w", product, env, service, err)
		}
		in, err := instanceOf(got)
		if err != nil {
			return nil, fmt.Errorf("running containers of %s/%s/%s: %w", product, env, service, err)
		}
		out = append(out, in)
	}
	sortInstances(out)
	return out, nil
}

// Stop stops instances' containers (SIGTERM, then SIGKILL after Grace) and
// removes them, in parallel. A container that is gone is not an error; one
// that is not the instance's (its labels differ) is refused.
func (d *Docker) Stop(ctx context.Context, instances []Instance) error {
	if d.Client == nil {
		return errors.New("docker target: no engine client")
	}
	grace := d.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	secs := int(math.Ceil(grace.Seconds()))
	errs := make([]error, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		wg.Go(func() { errs[i] = d.stopOne(ctx, in, secs) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stopOne stops and removes one instance's container.
func (d *Docker) stopOne(ctx context.Context, in Instance, graceSecs int) error {
	id := in.Container
	if id == "" {
		id = d.containerName(in)
	}
	c, err := d.Client.ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop %s: %w", in.ID, err)
	}
	if got := c.Config.Labels[LabelInstance]; got != in.ID {
		return fmt.Errorf("stop %s: container %s is instance %q, not this one", in.ID, id, got)
	}
	if !d.ours(c.Config.Labels) {
		return fmt.Errorf("stop %s: container %s belongs to site %s, not %s", in.ID, id, c.Config.Labels[LabelSite], d.Site)
	}
	err = d.Client.ContainerStop(ctx, c.ID, container.StopOptions{Timeout: &graceSecs})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("stop %s (container %s): %w", in.ID, c.ID, err)
	}
	err = d.Client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
	if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
		return fmt.Errorf("remove %s (container %s): %w", in.ID, c.ID, err)
	}
	return nil
}
