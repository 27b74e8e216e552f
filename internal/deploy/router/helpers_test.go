package router

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"
)

// childEnv makes the test binary run as a router process, so Ensure can start
// the real thing: the test binary is the command.
const childEnv = "SIGNALMAN_ROUTER_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// newBackend starts a service instance that answers 200 with its name.
func newBackend(t testing.TB, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s
}

// serve starts a router in dir and closes it when the test ends.
func serve(t testing.TB, dir string) *Server {
	t.Helper()
	srv, err := Serve(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// setState sets s on the router and fails the test if it is refused.
func setState(t testing.TB, srv *Server, s State) State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := srv.Client().SetState(ctx, s)
	if err != nil {
		t.Fatalf("SetState: %v", err)
	}
	return got
}

// pool returns a pool of version v served by backends.
func pool(v string, backends ...*httptest.Server) *Pool {
	p := &Pool{Version: v, Digest: "sha256:" + v}
	for _, b := range backends {
		p.Backends = append(p.Backends, b.URL)
	}
	return p
}

// newHTTPClient returns a client that keeps enough connections for
// concurrent load.
func newHTTPClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// get fetches url and returns the response with its body read.
func get(t testing.TB, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return res, string(body)
}

// adminGet fetches path from the admin API with the given Authorization header.
func adminGet(t testing.TB, srv *Server, path, authorization string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+srv.AdminAddr()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}
