package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFault(t *testing.T) {
	cases := []struct {
		in      string
		want    Fault
		wantErr bool
	}{
		{in: "", want: Fault{}},
		{in: "{}", want: Fault{}},
		{in: `{"error_rate": 0.3, "latency_ms": 20}`, want: Fault{ErrorRate: 0.3, LatencyMS: 20}},
		{in: `{"error_rate": 1, "when_file": "/run/bad"}`, want: Fault{ErrorRate: 1, WhenFile: "/run/bad"}},
		{in: `{"error_rate": 2}`, wantErr: true},
		{in: `{`, wantErr: true},
	}
	for _, c := range cases {
		got, err := ParseFault([]byte(c.in))
		if (err != nil) != c.wantErr || (!c.wantErr && got != c.want) {
			t.Errorf("ParseFault(%q) = %+v, %v", c.in, got, err)
		}
	}
}

func TestServer_counts_requests_and_injects_faults(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	s := &Server{Name: "api", Version: "v1.2.0", Fault: Fault{ErrorRate: 1}}
	srv := httptest.NewServer(s.Handler(mux))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("with error_rate 1: status %d, want 500", resp.StatusCode)
	}
	resp, _ = http.Get(srv.URL + "/version")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(body)) != "api v1.2.0" {
		t.Errorf("/version = %q", body)
	}
	resp, _ = http.Get(srv.URL + "/metrics")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `http_requests_total{service="api",code="500"} 1`) {
		t.Errorf("metrics lack the failed request:\n%s", body)
	}
}

func TestServer_fault_only_while_its_file_exists(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	when := filepath.Join(t.TempDir(), "degrade")
	s := &Server{Name: "api", Version: "v1.2.0", Fault: Fault{ErrorRate: 1, WhenFile: when}}
	srv := httptest.NewServer(s.Handler(mux))
	defer srv.Close()
	status := func() int {
		resp, err := http.Get(srv.URL + "/ok")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != http.StatusOK {
		t.Errorf("before %s exists: status %d, want 200", when, got)
	}
	if err := os.WriteFile(when, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != http.StatusInternalServerError {
		t.Errorf("while %s exists: status %d, want 500", when, got)
	}
	if err := os.Remove(when); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != http.StatusOK {
		t.Errorf("after %s is gone: status %d, want 200", when, got)
	}
}
