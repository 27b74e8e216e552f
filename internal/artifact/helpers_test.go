package artifact

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// greetModule is the dependency of the test service, served by a module
// proxy on disk so builds need no network.
const (
	greetPath    = "example.com/greet"
	greetVersion = "v1.0.0"
	greetGoMod   = "module example.com/greet\n\ngo 1.22\n"
	greetSource  = "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hello from greet\" }\n"
)

// helloFiles are the test service: a module in services/hello of a checkout
// whose main package is ./cmd/hello and prints its version.
var helloFiles = map[string]string{
	"services/hello/go.mod": "module example.com/hello\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n",
	"services/hello/cmd/hello/main.go": `package main

import (
	"fmt"

	"example.com/greet"
)

var version = "dev"

func main() { fmt.Println(greet.Hello(), version) }
`,
}

// commitTimeForTests is a fixed commit time.
var commitTimeForTests = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// writeFiles creates files (slash paths relative to dir) with their contents.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goEnv is the environment of test builds: a module proxy on disk holding
// the greet module, a private module cache, no checksum database.
func goEnv(t *testing.T) []string {
	t.Helper()
	proxy := t.TempDir()
	dir := filepath.Join(proxy, filepath.FromSlash(greetPath), "@v")
	writeFiles(t, dir, map[string]string{
		"list":                 greetVersion + "\n",
		greetVersion + ".info": `{"Version":"` + greetVersion + `","Time":"2024-01-01T00:00:00Z"}`,
		greetVersion + ".mod":  greetGoMod,
	})
	zf, err := os.Create(filepath.Join(dir, greetVersion+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for name, body := range map[string]string{"go.mod": greetGoMod, "greet.go": greetSource} {
		w, err := zw.Create(greetPath + "@" + greetVersion + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	return []string{
		"GOPROXY=file://" + filepath.ToSlash(proxy),
		"GOSUMDB=off",
		"GOMODCACHE=" + filepath.Join(t.TempDir(), "modcache"),
		"GOFLAGS=-mod=mod -modcacherw",
		"GOWORK=off",
		"GOTOOLCHAIN=local",
	}
}

// helloBuild is a GoBuild of the test service in a fresh checkout.
func helloBuild(t *testing.T, env []string, version string) GoBuild {
	t.Helper()
	src := t.TempDir()
	writeFiles(t, src, helloFiles)
	return GoBuild{
		SourceDir:  src,
		Context:    "services/hello",
		Package:    "./cmd/hello",
		Service:    "hello",
		Version:    version,
		Commit:     "0123456789abcdef0123456789abcdef01234567",
		Repository: "https://git.example.com/shop/hello",
		CommitTime: commitTimeForTests,
		Env:        env,
		Log:        func(line string) { t.Log("go build: " + line) },
	}
}
