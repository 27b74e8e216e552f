package activities

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
)

// routeServiceSource is the service the canary-route tests deploy: it
// listens on $HOST:$PORT, answers /healthz, and answers / and /smoke with
// its version, except that /smoke fails with 500 when its argument is
// "broken-smoke".
const routeServiceSource = `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	version := os.Getenv("SIGNALMAN_VERSION")
	broken := len(os.Args) > 1 && os.Args[1] == "broken-smoke"
	http.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("GET /smoke", func(w http.ResponseWriter, r *http.Request) {
		if broken {
			http.Error(w, "smoke check failed in "+version, http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "smoke ok", version)
	})
	http.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, version) })
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	if err := http.ListenAndServe(net.JoinHostPort(host, os.Getenv("PORT")), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`

func TestDeploy_weight_0_canary_is_smoke_tested_before_any_user_reaches_it(t *testing.T) {
	targets := []struct {
		name   string
		target func(t *testing.T) deploy.Target
	}{
		{config.TargetProcess, func(t *testing.T) deploy.Target { return &deploy.Process{Dir: t.TempDir(), Grace: time.Second} }},
		{config.TargetDocker, dockerTarget},
	}
	canaries := []struct {
		name, mode string
		wantErr    string // in the Smoke error; empty when Smoke passes
	}{
		{"healthy_canary_passes", "serve", ""},
		{"canary_failing_its_smoke_path_fails_while_stable_is_healthy", "broken-smoke", "status 500, want 200 (version v1.2.0)"},
	}
	reg := newRouteRegistry(t)
	for _, tg := range targets {
		for _, cn := range canaries {
			t.Run(tg.name+"/"+cn.name, func(t *testing.T) {
				target := tg.target(t)
				product := uniqueProduct(t)
				d := &Deployer{Dir: t.TempDir(), Targets: map[string]deploy.Target{tg.name: target}, RouterCommand: []string{"false"}}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				// The router runs in the test; a router process is never started.
				srv, err := router.Serve(ctx, router.Config{Dir: d.routerDir(product, "prod", "api")})
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				var pushed []contract.Artifact
				t.Cleanup(func() { stopAll(t, target, product, pushed) })

				svc := config.Service{
					Name: "api", Instances: 2,
					Health: config.Health{Path: "/healthz", Timeout: time.Minute, Interval: 50 * time.Millisecond},
					Smoke:  []config.Smoke{{Path: "/smoke", Status: 200, Contains: "smoke ok v1.2.0"}, {Path: "/", Status: 200, Contains: "v1.2.0"}},
				}
				deployAt := func(version, mode string, weight int) contract.DeployOutcome {
					t.Helper()
					a := reg.push(t, product, mode)
					pushed = append(pushed, a)
					out, err := runActivity(t, d.Deploy, contract.DeployRequest{
						Product: product, Version: version, Env: "prod", Target: tg.name, Service: svc, Artifact: a, Weight: weight,
					})
					if err != nil {
						t.Fatalf("deploy %s at weight %d: %v", version, weight, err)
					}
					return out
				}
				if out := deployAt("v1.1.0", "serve", 0); out.Canary {
					t.Fatal("the first version of the service was deployed as a canary, want it straight to stable")
				}
				if out := deployAt("v1.2.0", cn.mode, 0); !out.Canary {
					t.Fatal("v1.2.0 at weight 0 was not deployed as the canary")
				}
				st, err := srv.Client().State(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if st.Weight != 0 || st.Stable == nil || st.Stable.Version != "v1.1.0" || st.Canary == nil || st.Canary.Version != "v1.2.0" || len(st.Canary.Backends) != 2 {
					t.Fatalf("routing after the weight 0 deploy: %+v, want stable v1.1.0 and a v1.2.0 canary of 2 backends at weight 0", st)
				}
				for _, b := range st.Canary.Backends {
					if res, err := http.Get(b + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
						t.Errorf("canary backend %s is not healthy: %v", b, err)
					} else {
						res.Body.Close()
					}
				}

				users := sendUserTraffic(t, "http://"+srv.ListenAddr()+"/", 50)
				_, err = runActivity(t, noResult(d.Smoke), contract.SmokeRequest{Product: product, Env: "prod", Service: svc, Route: router.RouteCanary})
				switch {
				case cn.wantErr == "" && err != nil:
					t.Errorf("Smoke by the canary route: %v, want it to pass", err)
				case cn.wantErr != "" && (appErrType(err) != contract.ErrTestFailed || !strings.Contains(err.Error(), cn.wantErr)):
					t.Errorf("Smoke by the canary route: %v (type %q), want %s saying %q", err, appErrType(err), contract.ErrTestFailed, cn.wantErr)
				}
				users += sendUserTraffic(t, "http://"+srv.ListenAddr()+"/", 50)

				rs, err := srv.Client().Requests(ctx, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				var tests, userStable int
				for _, r := range rs {
					switch {
					case r.Test && r.Pool == router.PoolCanary && r.Version == "v1.2.0":
						tests++
					case r.Test:
						t.Errorf("test request served by %s %s, want the canary v1.2.0", r.Pool, r.Version)
					case r.Version == "v1.2.0" || r.Pool == router.PoolCanary:
						t.Errorf("a user request was served by the canary: %+v", r)
					case r.Pool == router.PoolStable && r.Version == "v1.1.0":
						userStable++
					}
				}
				wantTests := len(svc.Smoke)
				if cn.wantErr != "" {
					wantTests = 1 // Smoke stops at the first failure
				}
				if tests != wantTests || userStable != users {
					t.Errorf("records: %d test requests to the canary and %d user requests to stable v1.1.0; want %d and %d", tests, userStable, wantTests, users)
				}
			})
		}
	}
}

func TestSmoke_canary_route_without_a_canary_never_tests_stable(t *testing.T) {
	tests := []struct {
		name, route string
		wantType    string
		want        string
	}{
		{"canary_route_without_a_canary_fails", router.RouteCanary, contract.ErrTestFailed, "the router has no canary"},
		{"unknown_route_is_bad_input", "stable", contract.ErrBadInput, `route "stable" is not a route`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			stable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				io.WriteString(w, "ok")
			}))
			defer stable.Close()
			d := &Deployer{Dir: t.TempDir(), RouterCommand: []string{"false"}}
			ctx := context.Background()
			srv, err := router.Serve(ctx, router.Config{Dir: d.routerDir("shop", "prod", "api")})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if _, err := srv.Client().SetState(ctx, router.State{Stable: &router.Pool{Version: "v1.1.0", Backends: []string{stable.URL}}}); err != nil {
				t.Fatal(err)
			}
			svc := config.Service{Name: "api", Smoke: []config.Smoke{{Path: "/", Status: 200}}}
			_, err = runActivity(t, noResult(d.Smoke), contract.SmokeRequest{Product: "shop", Env: "prod", Service: svc, Route: tt.route})
			if appErrType(err) != tt.wantType || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Smoke: %v (type %q), want %s saying %q", err, appErrType(err), tt.wantType, tt.want)
			}
			if n := hits.Load(); n > 0 {
				t.Errorf("stable served %d smoke requests, want none", n)
			}
		})
	}
}

// sendUserTraffic sends n requests without the route header, as users do,
// and fails the test unless stable answers each; it returns n.
func sendUserTraffic(t *testing.T, url string, n int) int {
	t.Helper()
	for range n {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get(router.HeaderBackend) != router.PoolStable {
			t.Fatalf("user request: %d from %q, want 200 from stable", res.StatusCode, res.Header.Get(router.HeaderBackend))
		}
	}
	return n
}

// dockerTarget is the docker target on this host's engine; the test is
// skipped when no engine answers, unless SIGNALMAN_REQUIRE_DOCKER is set.
func dockerTarget(t *testing.T) deploy.Target {
	t.Helper()
	if !artifact.DockerAvailable(context.Background()) {
		if os.Getenv("SIGNALMAN_REQUIRE_DOCKER") != "" {
			t.Fatal("no Docker Engine answers and SIGNALMAN_REQUIRE_DOCKER is set")
		}
		t.Skip("no Docker Engine answers; set SIGNALMAN_REQUIRE_DOCKER=1 to make this a failure")
	}
	cli, err := artifact.DockerClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return &deploy.Docker{Client: cli, Grace: time.Second}
}

// uniqueProduct is a product name of one test, so that the docker target's
// containers (found by label) are never another test's.
func uniqueProduct(t *testing.T) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "route" + hex.EncodeToString(b[:])
}

// stopAll stops every instance of the product's api on prod, and for the
// docker target removes the images the engine pulled.
func stopAll(t *testing.T, target deploy.Target, product string, pulled []contract.Artifact) {
	ctx := context.Background()
	running, err := target.Running(ctx, product, "prod", "api")
	if err != nil {
		t.Errorf("find the instances left running: %v", err)
		return
	}
	if err := target.Stop(ctx, running); err != nil {
		t.Errorf("stop the instances left running: %v", err)
	}
	if dk, ok := target.(*deploy.Docker); ok {
		for _, a := range pulled {
			_, _ = dk.Client.ImageRemove(ctx, a.Ref(), image.RemoveOptions{Force: true, PruneChildren: true})
		}
	}
}

// routeRegistry is an OCI registry on 127.0.0.1 holding the images of the
// route service.
type routeRegistry struct {
	host string
}

func newRouteRegistry(t *testing.T) *routeRegistry {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return &routeRegistry{host: strings.TrimPrefix(srv.URL, "http://")}
}

// push pushes an image of the route service, run with mode as its
// argument, to product/api and returns it as an artifact.
func (r *routeRegistry) push(t *testing.T, product, mode string) contract.Artifact {
	t.Helper()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	bin := routeServiceBinary(t)
	for _, h := range []*tar.Header{
		{Name: "app/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "app/svc", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))},
	} {
		h.ModTime = time.Unix(0, 0)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tw.Write(bin); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layer.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), l)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Entrypoint, cf.Config.Cmd = []string{"/app/svc"}, []string{mode}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(r.host + "/" + product + "/api:" + mode)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push %s: %v", tag, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return contract.Artifact{Service: "api", Image: tag.String(), Digest: digest.String()}
}

var routeService struct {
	once sync.Once
	bin  []byte
	err  error
}

// routeServiceBinary compiles routeServiceSource once per test run: a
// static binary from a module of its own that needs only the standard
// library.
func routeServiceBinary(t *testing.T) []byte {
	t.Helper()
	routeService.once.Do(func() {
		dir, err := os.MkdirTemp("", "activities-routesvc-")
		if err != nil {
			routeService.err = err
			return
		}
		defer os.RemoveAll(dir)
		for n, body := range map[string]string{"go.mod": "module example.com/routesvc\n\ngo 1.22\n", "main.go": routeServiceSource} {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
				routeService.err = err
				return
			}
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "svc", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local",
			"GOCACHE="+goEnvs["GOCACHE"], "GOMODCACHE="+goEnvs["GOMODCACHE"])
		if out, err := cmd.CombinedOutput(); err != nil {
			routeService.err = fmt.Errorf("%w\n%s", err, out)
			return
		}
		routeService.bin, routeService.err = os.ReadFile(filepath.Join(dir, "svc"))
	})
	if routeService.err != nil {
		t.Fatalf("build the route test service: %v", routeService.err)
	}
	return routeService.bin
}
