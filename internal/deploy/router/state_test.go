package router

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSetStateValidates(t *testing.T) {
	b := newBackend(t, "b")
	tests := []struct {
		name  string
		state State
		want  string // in the error
	}{
		{"weight_below_0", State{Stable: pool("v1", b), Weight: -1}, "weight -1 is out of range"},
		{"weight_above_100", State{Stable: pool("v1", b), Canary: pool("v2", b), Weight: 101}, "weight 101 is out of range"},
		{"weight_without_canary", State{Stable: pool("v1", b), Weight: 10}, "the canary has no backends"},
		{"weight_with_empty_canary", State{Stable: pool("v1", b), Canary: &Pool{Version: "v2"}, Weight: 10}, "the canary has no backends"},
		{"https_backend", State{Stable: &Pool{Version: "v1", Backends: []string{"https://127.0.0.1:8443"}}}, "scheme must be http"},
		{"backend_without_port", State{Stable: &Pool{Version: "v1", Backends: []string{"http://127.0.0.1"}}}, "needs a host and a port"},
		{"backend_port_0", State{Stable: &Pool{Version: "v1", Backends: []string{"http://127.0.0.1:0"}}}, "is not a number from 1 to 65535"},
		{"backend_with_path", State{Stable: &Pool{Version: "v1", Backends: []string{"http://127.0.0.1:80/api"}}}, "without a path"},
		{"backend_with_user", State{Stable: &Pool{Version: "v1", Backends: []string{"http://u:p@127.0.0.1:80"}}}, "without user"},
		{"backend_listed_twice", State{Stable: &Pool{Version: "v1", Backends: []string{b.URL, b.URL + "/"}}}, "listed twice"},
		{"pool_without_version", State{Stable: &Pool{Backends: []string{b.URL}}}, "version is empty"},
	}
	srv := serve(t, t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := srv.Client().SetState(context.Background(), tt.state)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || !strings.Contains(se.Message, tt.want) {
				t.Errorf("SetState: %v, want 400 saying %q", err, tt.want)
			}
		})
	}
	t.Run("unknown_field", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, "http://"+srv.AdminAddr()+"/state", strings.NewReader(`{"wieght": 10}`))
		req.Header.Set("Authorization", "Bearer "+srv.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "wieght") {
			t.Errorf("got %d %s, want 400 naming the unknown field", res.StatusCode, body)
		}
	})
	if g := srv.currentState().Generation; g != 0 {
		t.Errorf("refused changes moved the generation to %d", g)
	}
}

func TestSetStateCountsChanges(t *testing.T) {
	b1, b2 := newBackend(t, "b1"), newBackend(t, "b2")
	srv := serve(t, t.TempDir())
	first := setState(t, srv, State{Stable: pool("v1", b1), Generation: 40})
	if first.Generation != 1 {
		t.Errorf("first change: generation %d, want 1 (the requested generation is ignored)", first.Generation)
	}
	if again := setState(t, srv, State{Stable: pool("v1", b1)}); again.Generation != 1 {
		t.Errorf("setting the same state: generation %d, want 1 unchanged", again.Generation)
	}
	next := setState(t, srv, State{Stable: pool("v1", b1), Canary: pool("v2", b2), Weight: 5})
	if next.Generation != 2 || next.Weight != 5 || next.Canary.Version != "v2" {
		t.Errorf("second change: %+v, want generation 2 with the v2 canary at 5", next)
	}
	got, err := srv.Client().State(context.Background())
	if err != nil || !reflect.DeepEqual(got, next) {
		t.Errorf("State: %+v %v, want %+v", got, err, next)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	b1, b2 := newBackend(t, "b1"), newBackend(t, "b2")
	srv := serve(t, dir)
	setState(t, srv, State{Stable: pool("v1", b1)})
	want := setState(t, srv, State{Stable: pool("v1", b1), Canary: pool("v2", b2), Weight: 30})
	listen := srv.ListenAddr()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, tokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v %v, want mode 0600", fi.Mode(), err)
	}

	again := serve(t, dir)
	got, err := again.Client().State(context.Background())
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("state after restart: %+v %v, want %+v", got, err, want)
	}
	if again.ListenAddr() != listen {
		t.Errorf("listen address after restart: %s, want the previous %s", again.ListenAddr(), listen)
	}
	if again.token != srv.token {
		t.Error("the admin token changed across a restart")
	}
	if res, _ := get(t, newHTTPClient(t), "http://"+again.ListenAddr()+"/"); res.StatusCode != http.StatusOK {
		t.Errorf("traffic after restart: %d, want 200", res.StatusCode)
	}
}

func TestServeRefusesADirectoryInUse(t *testing.T) {
	dir := t.TempDir()
	serve(t, dir)
	if srv, err := Serve(context.Background(), Config{Dir: dir}); err == nil {
		srv.Close()
		t.Fatal("a second router on the same directory started")
	} else if !strings.Contains(err.Error(), "in use by another router") {
		t.Errorf("second router: %v, want it to say the directory is in use", err)
	}
}

func TestStateChangesUnderLoadDropNoRequest(t *testing.T) {
	// Backends that take a moment, so changes land while requests are under way.
	var backends []*httptest.Server
	for range 4 {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
			w.Write([]byte("ok"))
		}))
		t.Cleanup(s.Close)
		backends = append(backends, s)
	}
	srv := serve(t, t.TempDir())
	setState(t, srv, State{Stable: pool("v1", backends[0], backends[1])})

	c := newHTTPClient(t)
	url := "http://" + srv.ListenAddr() + "/"
	stop := make(chan struct{})
	var sent, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				res, err := c.Get(url)
				if err != nil {
					failed.Add(1)
					t.Errorf("GET: %v", err)
					continue
				}
				if body := readAll(res); res.StatusCode != http.StatusOK {
					failed.Add(1)
					t.Errorf("GET: %d %s", res.StatusCode, body)
				}
			}
		})
	}
	a, b := pool("v1", backends[0], backends[1]), pool("v2", backends[2], backends[3])
	const changes = 100
	for i := range changes {
		if i%2 == 1 {
			a, b = b, a
		}
		// Every step changes the weight, so every step is a change.
		setState(t, srv, State{Stable: a, Canary: b, Weight: i * 37 % 101})
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d of %d requests failed across %d routing changes", failed.Load(), sent.Load(), changes)
	}
	if g := srv.currentState().Generation; g != changes+1 {
		t.Errorf("generation %d, want %d: one per change", g, changes+1)
	}
	t.Logf("%d requests, none failed, across %d routing changes", sent.Load(), changes)
}
