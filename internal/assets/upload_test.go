package assets

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// store is a real S3 protocol server (gofakes3) on 127.0.0.1 that counts
// the PUTs it answered 200 to, by key, and may run a hook before one.
type store struct {
	backend *s3mem.Backend
	url     string
	mu      sync.Mutex
	puts    map[string]int
	// beforePut, if set, runs before the server sees a PUT of key.
	beforePut func(key string)
}

func startStore(t *testing.T, bucket string) *store {
	t.Helper()
	s := &store{backend: s3mem.New(), puts: map[string]int{}}
	if err := s.backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(s.backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/"+bucket+"/")
		if r.Method == http.MethodPut && s.beforePut != nil {
			s.beforePut(key)
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		fake.ServeHTTP(rec, r)
		if r.Method == http.MethodPut && rec.status == http.StatusOK {
			s.mu.Lock()
			s.puts[key]++
			s.mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key-id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
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

func (s *store) putCount(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts[key]
}

func (s *store) object(t *testing.T, bucket, key string) (string, map[string]string) {
	t.Helper()
	obj, err := s.backend.GetObject(bucket, key, nil)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer obj.Contents.Close()
	data, _ := io.ReadAll(obj.Contents)
	return string(data), obj.Metadata
}

// packed packs the shop's web/static and extracts it, as the deploy
// worker has it before uploading.
func packed(t *testing.T, files map[string]string) (*Packed, string) {
	t.Helper()
	root := writeTree(t, files)
	p, err := Pack(root, []string{"web/static"}, filepath.Join(t.TempDir(), "assets.tar"))
	if err != nil {
		t.Fatal(err)
	}
	return p, root
}

func TestUpload(t *testing.T) {
	s := startStore(t, "shop-assets")
	ctx := context.Background()
	b, err := Open(ctx, Where{Bucket: "shop-assets", Endpoint: s.url})
	if err != nil {
		t.Fatal(err)
	}
	p, dir := packed(t, shop)
	var told []string
	up, err := Upload(ctx, b, "releases/", p.Tree, p.Files, dir, func(key string) { told = append(told, key) })
	if err != nil {
		t.Fatal(err)
	}
	if up.Written != 3 || up.Skipped != 0 || len(told) != 3 {
		t.Errorf("first upload %+v, told of %v; want 3 written", up, told)
	}
	for _, f := range p.Files {
		key := "releases/" + p.Tree + "/" + f.Path
		data, meta := s.object(t, "shop-assets", key)
		if data != shop[f.Path] || meta["X-Amz-Meta-Sha256"] != f.SHA256 {
			t.Errorf("%s holds %q with %v; want the file and its SHA-256", key, data, meta)
		}
		if n := s.putCount(key); n != 1 {
			t.Errorf("%s was written %d times, want once", key, n)
		}
	}
	if _, meta := s.object(t, "shop-assets", "releases/"+p.Tree+"/web/static/shop.css"); meta["Content-Type"] != "text/css; charset=utf-8" {
		t.Errorf("shop.css has Content-Type %q", meta["Content-Type"])
	}

	t.Run("again_writes_nothing", func(t *testing.T) {
		up, err := Upload(ctx, b, "releases/", p.Tree, p.Files, dir, func(string) {})
		if err != nil || up.Written != 0 || up.Skipped != 3 {
			t.Errorf("second upload %+v, %v; want all 3 skipped", up, err)
		}
		for _, f := range p.Files {
			if n := s.putCount("releases/" + p.Tree + "/" + f.Path); n != 1 {
				t.Errorf("%s written %d times", f.Path, n)
			}
		}
	})

	t.Run("other_content_is_refused_before_anything_is_written", func(t *testing.T) {
		changed := map[string]string{}
		for k, v := range shop {
			changed[k] = v
		}
		changed["web/static/shop.css"] = "body { color: red }\n"
		q, dir := packed(t, changed)
		key := "releases/" + q.Tree + "/web/static/shop.css"
		if _, err := s.backend.PutObject("shop-assets", key, map[string]string{}, strings.NewReader("not ours"), 8, nil); err != nil {
			t.Fatal(err)
		}
		_, err := Upload(ctx, b, "releases/", q.Tree, q.Files, dir, func(string) {})
		var conflict *ConflictError
		if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "s3://shop-assets/"+key+" (not written by Signalman) already hold(s) other content") {
			t.Fatalf("upload over another object: %v; want a conflict naming s3://shop-assets/%s", err, key)
		}
		if data, _ := s.object(t, "shop-assets", key); data != "not ours" {
			t.Errorf("the object was overwritten with %q", data)
		}
		for _, f := range q.Files {
			if n := s.putCount("releases/" + q.Tree + "/" + f.Path); n != 0 {
				t.Errorf("%s was written (%d) though the upload was refused", f.Path, n)
			}
		}
	})

	t.Run("a_write_that_lands_first_is_kept", func(t *testing.T) {
		// Another writer (or an attempt cut short after the store took
		// its object) writes between the look-up and the write: the
		// conditional write is refused, and the same content counts as
		// done while other content is a conflict.
		for _, tc := range []struct {
			name, content string
			conflict      bool
		}{{"same", "<svg id=\"same\"/>\n", false}, {"other", "<svg id=\"intruder\"/>\n", true}} {
			files := map[string]string{"web/static/race.svg": "<svg id=\"" + tc.name + "\"/>\n"}
			q, dir := packed(t, files)
			key := "releases/" + q.Tree + "/web/static/race.svg"
			s.beforePut = func(k string) {
				if k != key {
					return
				}
				meta := map[string]string{"X-Amz-Meta-Sha256": sum(tc.content)}
				if _, err := s.backend.PutObject("shop-assets", key, meta, bytes.NewReader([]byte(tc.content)), int64(len(tc.content)), nil); err != nil {
					t.Error(err)
				}
			}
			up, err := Upload(ctx, b, "releases/", q.Tree, q.Files, dir, func(string) {})
			s.beforePut = nil
			var conflict *ConflictError
			if tc.conflict != errors.As(err, &conflict) || !tc.conflict && (err != nil || up.Skipped != 1 || up.Written != 0) {
				t.Errorf("%s content written first: %+v, %v", tc.name, up, err)
			}
			if data, _ := s.object(t, "shop-assets", key); data != tc.content {
				t.Errorf("%s: the first write was overwritten with %q", tc.name, data)
			}
		}
	})
}

func TestOpen_needs_a_region_for_AWS(t *testing.T) {
	startStore(t, "shop-assets")
	_, err := Open(context.Background(), Where{Bucket: "shop-assets"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "bucket shop-assets: no region; set region under the environment's assets, or AWS_REGION on its deploy worker") {
		t.Errorf("Open without a region = %v", err)
	}
}
