package assets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

const bucket = "shop-assets"

// store is a real S3 protocol server (gofakes3 with its memory backend)
// served over HTTP on 127.0.0.1. It counts, by key, the PUTs it answered
// 200 to, and runs a one-shot hook when a PUT arrives, its body read, before
// the server sees it.
type store struct {
	backend *s3mem.Backend
	URL     string
	mu      sync.Mutex
	puts    map[string]int
	hook    func(key string)
}

func startStore(t *testing.T) *store {
	t.Helper()
	s := &store{backend: s3mem.New(), puts: map[string]int{}}
	if err := s.backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(s.backend).Server()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/"+bucket+"/")
		if r.Method == http.MethodPut {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.mu.Lock()
			hook := s.hook
			s.hook = nil
			s.mu.Unlock()
			if hook != nil {
				hook(key)
			}
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		fake.ServeHTTP(rec, r)
		if r.Method == http.MethodPut && rec.status == http.StatusOK {
			s.mu.Lock()
			s.puts[key]++
			s.mu.Unlock()
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	s.URL = "http://" + l.Addr().String()
	return s
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// onPut runs hook when the next PUT arrives.
func (s *store) onPut(hook func(key string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = hook
}

// putsOf copies the PUT counts.
func (s *store) putsOf() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.puts {
		out[k] = v
	}
	return out
}

// object is the content of key, and whether it exists.
func (s *store) object(t *testing.T, key string) (string, bool) {
	t.Helper()
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		return "", false
	}
	defer obj.Contents.Close()
	data, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), true
}

// assetsPipeline is the example product (content-server alone, for
// speed) with its web/static directory as assets, going to the store's
// bucket under stage/ from stage and under releases/ from prod. The
// region and the credentials are the deploy worker's.
func assetsPipeline(t *testing.T, remote, endpoint string) string {
	t.Helper()
	return e2e.WritePipeline(t, e2e.ShopPipeline(remote, "content-server")+fmt.Sprintf(`assets: [web/static]
environments:
  stage:
    assets: {bucket: %[1]s, prefix: stage/, endpoint: "%[2]s"}
  prod:
    window: always
    assets: {bucket: %[1]s, prefix: releases/, endpoint: "%[2]s"}
release:
  ship_delay: 0s
`, bucket, endpoint))
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// staticFiles are the files under web/static of files, and their tree
// hash: the SHA-256 of their `sha256sum` lines, sorted by path.
func staticFiles(files map[string]string) (map[string]string, string) {
	static := map[string]string{}
	var paths []string
	for p, content := range files {
		if strings.HasPrefix(p, "web/static/") {
			static[p] = content
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var lines strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&lines, "%s  %s\n", hash(static[p]), p)
	}
	return static, hash(lines.String())
}

// TestAssets releases the example product with its static assets through
// the CLI and worker processes: the first release's deploy worker is
// SIGKILLed when the first object arrives at the store, and still every
// object is written exactly once; a second release with the same assets
// writes nothing; an object already at a key with other content is
// refused and kept; and the notes list the assets.
func TestAssets(t *testing.T) {
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	s3 := startStore(t)
	config := assetsPipeline(t, remote, s3.URL)
	const secret = "e2e-s3-secret-key-7d41c0"
	stk := e2e.NewStack(t)
	stk.WorkerEnv = append(stk.WorkerEnv, "AWS_ACCESS_KEY_ID=e2e-s3-key-id", "AWS_SECRET_ACCESS_KEY="+secret, "AWS_REGION=us-east-1")
	worker := e2e.StartWorker(t, stk)

	static, tree := staticFiles(e2e.ExampleFiles(t))
	if len(static) < 2 {
		t.Fatalf("the example product has %d static file(s); the test wants a few", len(static))
	}
	keys := func(prefix, tree string) []string {
		var out []string
		for p := range static {
			out = append(out, prefix+tree+"/"+p)
		}
		slices.Sort(out)
		return out
	}

	// v1.1.0: the deploy worker dies as its first object reaches the
	// store, which then stores it all the same: the worker never hears
	// that it did.
	killed := make(chan string, 1)
	first := worker
	s3.onPut(func(key string) {
		first.Kill()
		killed <- key
	})
	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.1.0", "--config", config, "--as", "rita")
	var firstKey string
	select {
	case firstKey = <-killed:
	case <-time.After(4 * time.Minute):
		t.Fatalf("no asset reached the store in 4 minutes:\n%s", e2e.Pending(t, stk.Srv.Addr, workflows.ReleaseID("shop", "v1.1.0")))
	}
	if !strings.HasPrefix(firstKey, "stage/"+tree+"/web/static/") {
		t.Errorf("the first object written is %s, want one of stage's under stage/%s/", firstKey, tree)
	}
	worker = e2e.StartWorker(t, stk)
	st := e2e.WaitFinished(t, stk, "v1.1.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0: %s: %s\n%s", st.State, st.Error, e2e.Pending(t, stk.Srv.Addr, workflows.ReleaseID("shop", "v1.1.0")))
	}

	puts := s3.putsOf()
	want := append(keys("stage/", tree), keys("releases/", tree)...)
	for _, key := range want {
		p := key[strings.Index(key, "/web/static/")+1:]
		if got, ok := s3.object(t, key); !ok || got != static[p] {
			t.Errorf("%s holds %q (exists: %v), want %s", key, got, ok, p)
		}
		if puts[key] != 1 {
			t.Errorf("%s was written %d times, want exactly once", key, puts[key])
		}
	}
	if len(puts) != len(want) {
		t.Errorf("objects written: %v; want only %v", puts, want)
	}

	// The release's result holds the manifest and where each copy went:
	// the retried upload on stage found the object the killed worker
	// had written.
	a := st.Assets
	if a == nil || a.Tree != tree || len(a.Files) != len(static) || !strings.Contains(a.Ref, "/shop/static.assets@sha256:") {
		t.Fatalf("the release's assets: %+v; want the %d files of tree %s", a, len(static), tree)
	}
	for _, f := range a.Files {
		if content, ok := static[f.Path]; !ok || f.Size != int64(len(content)) || f.SHA256 != hash(content) {
			t.Errorf("manifest entry %+v is not the file in the repository", f)
		}
	}
	uploads := map[string]string{}
	for _, up := range a.Uploads {
		uploads[up.Env] = fmt.Sprintf("%s/%s %d+%d", up.Bucket, up.Prefix, up.Written, up.Skipped)
	}
	n := len(static)
	if uploads["stage"] != fmt.Sprintf("%s/stage/%s/ %d+1", bucket, tree, n-1) || uploads["prod"] != fmt.Sprintf("%s/releases/%s/ %d+0", bucket, tree, n) {
		t.Errorf("uploads (bucket/prefix written+skipped) %v; want stage's retry to skip the one object written before the kill", uploads)
	}
	for _, want := range append([]string{
		"## Static assets",
		"- stage: s3://" + bucket + "/stage/" + tree + "/ at " + s3.URL,
		"- prod: s3://" + bucket + "/releases/" + tree + "/ at " + s3.URL,
	}, func() []string {
		var lines []string
		for p, content := range static {
			lines = append(lines, fmt.Sprintf("- `%s` (%d bytes, SHA-256 %s)", p, len(content), hash(content)[:12]))
		}
		return lines
	}()...) {
		if !strings.Contains(st.Notes, want) {
			t.Errorf("the release notes:\n%s\nwant a line with %q", st.Notes, want)
		}
	}

	// The bucket's credentials stayed with the deploy worker.
	e2e.NoSecret(t, stk.Srv.Addr, secret, workflows.ReleaseID("shop", "v1.1.0"),
		workflows.DeployID("shop", "v1.1.0", "stage", "content-server"), workflows.DeployID("shop", "v1.1.0", "prod", "content-server"))
	if strings.Contains(worker.Logs.String()+first.Logs.String(), secret) {
		t.Error("the secret access key is in a worker's log")
	}

	t.Run("the_same_assets_again_write_nothing", func(t *testing.T) {
		repo.WriteCommit(t, "fix: checkout copy", map[string]string{"CHANGELOG": "v1.2.0\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		st := e2e.Release(t, stk, config, "v1.2.0")
		if st.State != workflows.Succeeded {
			t.Fatalf("v1.2.0: %s: %s", st.State, st.Error)
		}
		if after := s3.putsOf(); len(after) != len(puts) || fmt.Sprint(after) != fmt.Sprint(puts) {
			t.Errorf("a release with the same assets wrote objects: %v, before %v", after, puts)
		}
		if st.Assets == nil || st.Assets.Tree != tree || st.Assets.Ref != a.Ref {
			t.Errorf("v1.2.0's assets %+v; want v1.1.0's tree and artifact", st.Assets)
		}
		for _, up := range st.Assets.Uploads {
			if up.Written != 0 || up.Skipped != n {
				t.Errorf("v1.2.0 on %s wrote %d and skipped %d, want 0 and %d", up.Env, up.Written, up.Skipped, n)
			}
		}
	})

	t.Run("an_object_in_the_way_is_refused_and_kept", func(t *testing.T) {
		css := static["web/static/shop.css"] + "\n.sale { color: crimson; }\n"
		repo.WriteCommit(t, "feat: sale colours", map[string]string{"web/static/shop.css": css})
		repo.Git(t, "push", "--quiet", "origin", "main")
		changed := e2e.ExampleFiles(t)
		changed["web/static/shop.css"] = css
		_, newTree := staticFiles(changed)
		key := "stage/" + newTree + "/web/static/shop.css"
		if _, err := s3.backend.PutObject(bucket, key, map[string]string{}, strings.NewReader("not ours"), 8, nil); err != nil {
			t.Fatal(err)
		}
		before := s3.putsOf()
		st := e2e.Release(t, stk, config, "v1.3.0")
		wantErr := "s3://" + bucket + "/" + key + " (not written by Signalman) already hold(s) other content than this release's, and Signalman never overwrites an object"
		if st.State != workflows.Failed || !strings.HasPrefix(st.Error, "deploy-stage: ") || !strings.Contains(st.Error, wantErr) {
			t.Fatalf("v1.3.0: %s: %q; want stage's deploy refused with %q", st.State, st.Error, wantErr)
		}
		if got, _ := s3.object(t, key); got != "not ours" {
			t.Errorf("%s was overwritten with %q", key, got)
		}
		if after := s3.putsOf(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("a refused upload wrote objects: %v, before %v", after, before)
		}
	})
}

// TestAssets_bad_input: an asset directory outside the repository is
// refused by the real CLI with the file, line and field.
func TestAssets_bad_input(t *testing.T) {
	file := e2e.WritePipeline(t, e2e.ShopPipeline("/srv/git/shop.git", "content-server")+`assets:
  - web/static
  - ../../etc
environments:
  prod:
    assets: {bucket: shop-assets}
`)
	r := e2e.CLI(t, "127.0.0.1:1", "config", "validate", file)
	want := file + `:12: assets[1]: "../../etc" is outside the repository; name a directory inside it, from its root, such as web/static`
	if r.Code != 2 || !strings.Contains(r.Stderr, want) || r.Stdout != "" {
		t.Errorf("config validate: exit %d, stdout %q, stderr %q; want exit 2 and %q", r.Code, r.Stdout, r.Stderr, want)
	}
}
