package artifact

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// requireDocker returns a client of the Docker Engine, skipping the test when
// none answers, unless SIGNALMAN_REQUIRE_DOCKER is set (as on CI): then the
// test fails, so it cannot silently not run.
func requireDocker(t *testing.T) *client.Client {
	t.Helper()
	ctx := context.Background()
	if !DockerAvailable(ctx) {
		if os.Getenv("SIGNALMAN_REQUIRE_DOCKER") != "" {
			t.Fatal("no Docker Engine answers and SIGNALMAN_REQUIRE_DOCKER is set")
		}
		t.Skip("no Docker Engine answers; set SIGNALMAN_REQUIRE_DOCKER=1 to make this a failure")
	}
	cli, err := DockerClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// localTag is an engine tag unique to this test run, removed at the end.
func localTag(t *testing.T, cli *client.Client) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	tag := "signalman-test/artifact:" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		_, _ = cli.ImageRemove(context.Background(), tag, image.RemoveOptions{Force: true, PruneChildren: true})
	})
	return tag
}

func TestBuildDocker(t *testing.T) {
	cli := requireDocker(t)
	ctx := context.Background()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile":    "FROM scratch\nCOPY . /srv/\nENTRYPOINT [\"/srv/hello.txt\"]\n",
		"hello.txt":     "hello from a Dockerfile\n",
		"secret.env":    "TOKEN=do-not-ship\n",
		".dockerignore": "*.env\n",
	})
	var logged []string
	labels := Labels(Source{Service: "web", Version: "v1.101.0", Commit: testCommit, Repository: "https://git.example.com/shop/shop"})
	img, err := BuildDocker(ctx, cli, DockerBuild{
		ContextDir: dir,
		Labels:     labels,
		Tag:        localTag(t, cli),
		Log:        func(line string) { logged = append(logged, line) },
	})
	if err != nil {
		t.Fatalf("%v\nbuild output:\n%s", err, strings.Join(logged, "\n"))
	}
	if !slices.ContainsFunc(logged, func(l string) bool { return strings.Contains(l, "COPY . /srv/") }) {
		t.Errorf("build output does not show the COPY step:\n%s", strings.Join(logged, "\n"))
	}

	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range labels {
		if got := cfg.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	doc, err := SBOMFromImage(img, Source{Service: "web", Version: "v1.101.0"})
	if err != nil {
		t.Fatal(err)
	}
	bom := decodeBOM(t, doc)
	var files []string
	for _, c := range *bom.Components {
		files = append(files, c.Name)
	}
	if !slices.Contains(files, "/srv/hello.txt") || slices.Contains(files, "/srv/secret.env") {
		t.Errorf("image files %q: want /srv/hello.txt and not the ignored /srv/secret.env", files)
	}

	reg := newTestRegistry(t)
	tag := reg.tag(t, "shop/web:v1.101.0-build.1-0123456")
	pushed, err := Push(ctx, img, tag, RemoteOptions(ctx)...)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if got := remoteDigest(t, pushed); got != want {
		t.Errorf("registry holds %s, want %s", got, want)
	}
}

func TestBuildDockerSurfacesTheEngineError(t *testing.T) {
	cli := requireDocker(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY missing.txt /missing.txt\n"})
	var logged []string
	_, err := BuildDocker(context.Background(), cli, DockerBuild{
		ContextDir: dir,
		Tag:        localTag(t, cli),
		Log:        func(line string) { logged = append(logged, line) },
	})
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a *BuildError", err)
	}
	if !strings.Contains(be.Message, "missing.txt") {
		t.Errorf("error %q does not name the missing file", be.Message)
	}
	if !slices.Contains(logged, be.Message) {
		t.Errorf("the error is not in the build output:\n%s", strings.Join(logged, "\n"))
	}
}

func TestBuildDockerRefusesDockerfileOutsideContext(t *testing.T) {
	_, err := BuildDocker(context.Background(), nil, DockerBuild{ContextDir: t.TempDir(), Dockerfile: "../Dockerfile"})
	if !errors.Is(err, ErrInvalidInput) {
		t.Errorf("got %v, want ErrInvalidInput", err)
	}
}

func TestReadBuildOutput(t *testing.T) {
	tests := []struct {
		name    string
		stream  string
		lines   []string
		id      string
		failure string
	}{
		{
			name: "lines_split_across_messages_and_the_image_id",
			stream: `{"stream":"Step 1/2 : FROM scratch\n"}{"stream":" ---\u003e \n"}` +
				`{"stream":"Step 2/2 : COPY a /a"}{"stream":"\n ---\u003e 1234\n"}` +
				`{"aux":{"ID":"sha256:abcd"}}{"stream":"Successfully built abcd\n"}`,
			lines: []string{"Step 1/2 : FROM scratch", " ---> ", "Step 2/2 : COPY a /a", " ---> 1234", "Successfully built abcd"},
			id:    "sha256:abcd",
		},
		{
			name:    "error_detail_is_the_failure",
			stream:  `{"stream":"Step 2/2 : COPY missing /m\n"}{"errorDetail":{"message":"COPY failed: missing"},"error":"COPY failed: missing"}`,
			lines:   []string{"Step 2/2 : COPY missing /m", "COPY failed: missing"},
			failure: "COPY failed: missing",
		},
		{
			name:    "bare_error_is_the_failure",
			stream:  `{"error":"no space left"}`,
			lines:   []string{"no space left"},
			failure: "no space left",
		},
		{
			name:   "status_messages_are_logged",
			stream: `{"status":"Pulling fs layer","id":"abc"}{"status":"Done"}`,
			lines:  []string{"abc: Pulling fs layer", "Done"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			id, err := readBuildOutput(strings.NewReader(tt.stream), func(l string) { lines = append(lines, l) })
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("logged %q, want %q", lines, tt.lines)
			}
			var be *BuildError
			switch {
			case tt.failure == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.failure != "" && (!errors.As(err, &be) || be.Message != tt.failure):
				t.Errorf("got error %v, want a BuildError %q", err, tt.failure)
			}
			if id != tt.id {
				t.Errorf("image id %q, want %q", id, tt.id)
			}
		})
	}
}

func FuzzReadBuildOutput(f *testing.F) {
	f.Add([]byte(`{"stream":"Step 1\n"}{"aux":{"ID":"sha256:ab"}}`))
	f.Add([]byte(`{"errorDetail":{"message":"boom"}}`))
	f.Fuzz(func(t *testing.T, stream []byte) {
		_, err := readBuildOutput(bytes.NewReader(stream), nil)
		var be *BuildError
		if errors.As(err, &be) && be.Message == "" {
			t.Error("BuildError without a message")
		}
	})
}

func TestWriteContext(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile":             "FROM scratch\n",
		".dockerignore":          "**/*.env\nnode_modules\ndocs/**\n!docs/keep.md\nDockerfile\n",
		"app/main.txt":           "main",
		"app/local.env":          "SECRET=1",
		"node_modules/x/y.js":    "y",
		"docs/guide.md":          "guide",
		"docs/keep.md":           "keep",
		"docker/prod/Dockerfile": "FROM scratch\n",
	})
	if err := os.Symlink("app/main.txt", dir+"/link"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeContext(&buf, dir, "Dockerfile"); err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d, want root", h.Name, h.Uid, h.Gid)
		}
		names = append(names, h.Name)
	}
	want := []string{".dockerignore", "Dockerfile", "app/", "app/main.txt", "docker/", "docker/prod/", "docker/prod/Dockerfile", "docs/", "docs/keep.md", "link"}
	if !slices.Equal(names, want) {
		t.Errorf("context holds %q, want %q", names, want)
	}
}
