package deploy

import (
	"archive/tar"
	"bytes"
	"encoding/json"
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

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// testServiceSource is the service the test images run: what a project
// service does (listen on $HOST:$PORT, answer /healthz), with its first
// argument choosing a misbehaviour.
const testServiceSource = `package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	mode := "serve"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if mode == "crash" {
		fmt.Fprintln(os.Stderr, "boom: DATABASE_URL is not set")
		os.Exit(3)
	}
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	host, port := os.Getenv("HOST"), os.Getenv("PORT")
	if host == "" {
		host = "127.0.0.1"
	}
	http.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if mode == "sick" {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	http.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		wd, _ := os.Getwd()
		json.NewEncoder(w).Encode(map[string]any{
			"version": os.Getenv("VERSION"), "image_var": os.Getenv("IMAGE_VAR"),
			"host": host, "port": port, "pid": os.Getpid(), "wd": wd,
		})
	})
	fmt.Println("listening on", net.JoinHostPort(host, port), "mode", mode)
	if err := http.ListenAndServe(net.JoinHostPort(host, port), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`

// versionAnswer is what the test service's /version says.
type versionAnswer struct {
	Version  string `json:"version"`
	ImageVar string `json:"image_var"`
	Host     string `json:"host"`
	Port     string `json:"port"`
	PID      int    `json:"pid"`
	WD       string `json:"wd"`
}

var testService struct {
	once sync.Once
	bin  []byte
	err  error
}

// testServiceBinary compiles testServiceSource once per test run: a static
// binary, built from a module of its own that needs only the standard
// library.
func testServiceBinary(t *testing.T) []byte {
	t.Helper()
	testService.once.Do(func() {
		dir, err := os.MkdirTemp("", "deploy-testsvc-")
		if err != nil {
			testService.err = err
			return
		}
		defer os.RemoveAll(dir)
		files := map[string]string{
			"go.mod":  "module example.com/testsvc\n\ngo 1.22\n",
			"main.go": testServiceSource,
		}
		for n, body := range files {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
				testService.err = err
				return
			}
		}
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "testsvc", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
		if out, err := cmd.CombinedOutput(); err != nil {
			testService.err = &buildError{err: err, out: string(out)}
			return
		}
		testService.bin, testService.err = os.ReadFile(filepath.Join(dir, "testsvc"))
	})
	if testService.err != nil {
		t.Fatalf("build the test service: %v", testService.err)
	}
	return testService.bin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// testRegistry is an OCI registry on 127.0.0.1 for one test.
type testRegistry struct {
	Host string
	// manifestGets counts GET requests for manifests: pulls.
	manifestGets atomic.Int64
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	r := &testRegistry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/manifests/") {
			r.manifestGets.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// tarEntry is one entry of a test layer.
type tarEntry struct {
	Name     string
	Type     byte // tar.TypeReg when zero
	Body     string
	Linkname string
	Mode     int64
}

// layerTar is the uncompressed tar of entries.
func layerTar(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Linkname, Mode: e.Mode, ModTime: time.Unix(0, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if h.Typeflag == tar.TypeDir {
				h.Mode = 0o755
			}
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testLayer is a gzipped OCI layer of entries.
func testLayer(t *testing.T, entries []tarEntry) v1.Layer {
	t.Helper()
	data := layerTar(t, entries)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageConfig is what a test image's configuration says.
type imageConfig struct {
	Entrypoint, Cmd []string
	Arch            string // runtime.GOARCH when empty
}

// pushImage pushes an OCI image of layers with cfg to repo in reg and
// returns its reference by digest.
func pushImage(t *testing.T, reg *testRegistry, repo string, cfg imageConfig, layers ...v1.Layer) string {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", cfg.Arch
	if cf.Architecture == "" {
		cf.Architecture = runtime.GOARCH
	}
	cf.Config.Entrypoint, cf.Config.Cmd = cfg.Entrypoint, cfg.Cmd
	cf.Config.Env = []string{"PATH=/app", "IMAGE_VAR=from-image"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(reg.Host + "/" + repo + ":latest")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push %s: %v", tag, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return reg.Host + "/" + repo + "@" + d.String()
}

// serviceImage pushes an image running the test service at /app/testsvc
// with mode as its argument, and returns its reference by digest.
func serviceImage(t *testing.T, reg *testRegistry, mode string) string {
	t.Helper()
	bin := testServiceBinary(t)
	layer := testLayer(t, []tarEntry{
		{Name: "app/", Type: tar.TypeDir},
		{Name: "app/testsvc", Body: string(bin), Mode: 0o755},
	})
	return pushImage(t, reg, "shop/api", imageConfig{Entrypoint: []string{"/app/testsvc"}, Cmd: []string{mode}}, layer)
}

// getVersion asks an instance's /version.
func getVersion(t *testing.T, addr string) versionAnswer {
	t.Helper()
	resp, err := http.Get(addr + "/version")
	if err != nil {
		t.Fatalf("GET %s/version: %v", addr, err)
	}
	defer resp.Body.Close()
	var v versionAnswer
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s/version: %v", addr, err)
	}
	return v
}

// testSpec is a spec of the test service, ready to start.
func testSpec(image, deployment string, instances int) Spec {
	return Spec{
		Product: "shop", Env: "stage", Service: "api", Version: "v1.101.0",
		Image: image, Deployment: deployment, Instances: instances,
		HealthTimeout: 20 * time.Second, HealthInterval: 20 * time.Millisecond,
		EnvVars: map[string]string{"VERSION": "v1.101.0", "PORT": "1"},
	}
}
