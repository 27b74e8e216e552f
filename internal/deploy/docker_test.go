package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// requireDocker returns a client of the Docker Engine, skipping the test when
// none answers, unless SIGNALMAN_REQUIRE_DOCKER is set (as on CI): then the
// test fails, so it cannot silently not run.
func requireDocker(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err = cli.Ping(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("SIGNALMAN_REQUIRE_DOCKER") != "" {
			t.Fatalf("no Docker Engine answers and SIGNALMAN_REQUIRE_DOCKER is set: %v", err)
		}
		t.Skipf("no Docker Engine answers (%v); set SIGNALMAN_REQUIRE_DOCKER=1 to make this a failure", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// dockerProduct is a product name unique to one test, whose containers and
// the images they ran are removed when the test ends.
func dockerProduct(t *testing.T, cli *client.Client, images ...*string) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	product := "test" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelProduct+"="+product))})
		if err != nil {
			t.Error(err)
		}
		for _, c := range list {
			_ = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
		}
		for _, img := range images {
			if *img != "" {
				_, _ = cli.ImageRemove(ctx, *img, image.RemoveOptions{Force: true, PruneChildren: true})
			}
		}
	})
	return product
}

func dockerSpec(product, image, deployment string, instances int) Spec {
	s := testSpec(image, deployment, instances)
	s.Product = product
	return s
}

func TestDockerLifecycle(t *testing.T) {
	cli := requireDocker(t)
	ctx := context.Background()
	reg := newTestRegistry(t)
	var ref string
	product := dockerProduct(t, cli, &ref)
	ref = serviceImage(t, reg, "serve")
	d := &Docker{Client: cli, Grace: time.Second}

	spec := dockerSpec(product, ref, "v1.101.0/stable", 2)
	started, err := d.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(started) != 2 || started[0].Addr == started[1].Addr || started[0].Container == started[1].Container {
		t.Fatalf("Start returned %+v, want 2 instances on distinct ports and containers", started)
	}
	for _, in := range started {
		if !strings.HasPrefix(in.Addr, "http://127.0.0.1:") || in.Digest != ref[strings.LastIndex(ref, "@")+1:] {
			t.Errorf("instance %+v: want an address on 127.0.0.1 and the image's digest", in)
		}
		v := getVersion(t, in.Addr)
		if v.Host != "0.0.0.0" || v.Port != servicePort || v.Version != "v1.101.0" || v.ImageVar != "from-image" {
			t.Errorf("instance %s answers %+v: want HOST=0.0.0.0, PORT=%s and the spec's and image's variables", in.ID, v, servicePort)
		}
		c, err := cli.ContainerInspect(ctx, in.Container)
		if err != nil {
			t.Fatal(err)
		}
		if c.Config.Image != ref || c.HostConfig.RestartPolicy.Name != container.RestartPolicyUnlessStopped {
			t.Errorf("container runs %q with restart policy %q, want %q and unless-stopped", c.Config.Image, c.HostConfig.RestartPolicy.Name, ref)
		}
		for label, want := range map[string]string{
			LabelProduct: product, LabelEnv: "stage", LabelService: "api", LabelVersion: "v1.101.0",
			LabelDigest: in.Digest, LabelDeployment: "v1.101.0/stable", LabelInstance: in.ID,
		} {
			if got := c.Config.Labels[label]; got != want {
				t.Errorf("label %s = %q, want %q", label, got, want)
			}
		}
	}

	again, err := d.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again, started) {
		t.Errorf("a second Start of the same deployment returned\n%+v\nwant the running ones\n%+v", again, started)
	}
	running, err := (&Docker{Client: cli}).Running(ctx, product, "stage", "api")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(running, started) {
		t.Errorf("Running = %+v, want %+v", running, started)
	}

	if err := d.Stop(ctx, started); err != nil {
		t.Fatal(err)
	}
	for _, in := range started {
		if _, err := cli.ContainerInspect(ctx, in.Container); !cerrdefs.IsNotFound(err) {
			t.Errorf("container %s after Stop: %v, want it removed", in.Container, err)
		}
	}
	if running, err := d.Running(ctx, product, "stage", "api"); err != nil || len(running) != 0 {
		t.Errorf("after Stop, Running = %+v, %v; want nothing", running, err)
	}
	if err := d.Stop(ctx, started); err != nil {
		t.Errorf("stopping instances already stopped: %v", err)
	}
}

// TestDockerSites runs two installations (two worker data directories) on
// one engine, deploying the same product, environment, service and
// deployment: each sees and stops only its own containers, so a
// `signalman down` of one never touches the other's production.
func TestDockerSites(t *testing.T) {
	cli := requireDocker(t)
	ctx := context.Background()
	reg := newTestRegistry(t)
	var ref string
	product := dockerProduct(t, cli, &ref)
	ref = serviceImage(t, reg, "serve")
	a := &Docker{Client: cli, Grace: time.Second, Site: SiteOf(t.TempDir())}
	b := &Docker{Client: cli, Grace: time.Second, Site: SiteOf(t.TempDir())}
	if a.Site == b.Site {
		t.Fatalf("two data directories share site %s", a.Site)
	}
	spec := dockerSpec(product, ref, "v1.101.0/stable", 1)
	inA, err := a.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	inB, err := b.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if inA[0].Container == inB[0].Container {
		t.Fatalf("both sites got container %s for one deployment", inA[0].Container)
	}
	for _, tc := range []struct {
		d    *Docker
		want []Instance
	}{{a, inA}, {b, inB}} {
		got, err := tc.d.Running(ctx, product, "stage", "api")
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("site %s: Running = %+v, %v; want only its own %+v", tc.d.Site, got, err, tc.want)
		}
	}
	if err := a.Stop(ctx, inB); err == nil || !strings.Contains(err.Error(), "belongs to site "+b.Site) {
		t.Errorf("site %s stopping site %s's instance: %v, want a refusal", a.Site, b.Site, err)
	}
	if err := a.Stop(ctx, inA); err != nil {
		t.Fatal(err)
	}
	if got := getVersion(t, inB[0].Addr); got.Version != "v1.101.0" {
		t.Errorf("site %s's instance answers %+v after the other site stopped its own", b.Site, got)
	}
}

func TestDockerStartFailure(t *testing.T) {
	cli := requireDocker(t)
	ctx := context.Background()
	reg := newTestRegistry(t)
	var ref string
	product := dockerProduct(t, cli, &ref)
	ref = serviceImage(t, reg, "crash")
	d := &Docker{Client: cli, Grace: time.Second}

	_, err := d.Start(ctx, dockerSpec(product, ref, "v1.101.0/stable", 1))
	t.Log(err)
	var unhealthy *UnhealthyError
	if !errors.As(err, &unhealthy) {
		t.Fatalf("Start: %v, want an *UnhealthyError", err)
	}
	if !slices.ContainsFunc(unhealthy.LogTail, func(l string) bool { return strings.Contains(l, "boom: DATABASE_URL is not set") }) {
		t.Errorf("log tail %q does not show the service's last words", unhealthy.LogTail)
	}
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelProduct+"="+product))})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("a failed Start left %d containers", len(list))
	}
}

func TestDockerRefuses(t *testing.T) {
	cli := requireDocker(t)
	// A port nothing listens on: a registry the engine cannot reach.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	tests := []struct {
		name, image string
		wantIs      error
		wantText    string
	}{
		{"reference_by_tag", "127.0.0.1:5000/shop/api:v1.101.0", ErrInvalidSpec, "not addressed by digest"},
		{"unreachable_registry", closed + "/shop/api@" + testDigest, nil, "must reach registry " + closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			product := dockerProduct(t, cli)
			_, err := (&Docker{Client: cli}).Start(context.Background(), dockerSpec(product, tt.image, "v1", 1))
			t.Log(err)
			if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("Start: %v, want an error saying %q", err, tt.wantText)
			}
		})
	}
}
