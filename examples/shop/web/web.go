// Package web is the small HTTP server every example service runs: health,
// version and Prometheus metrics, plus a fault switch for bad releases.
package web

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fault makes a release bad on purpose: a share of requests fail and every
// request is slowed down. With Env set, only in that environment (the
// SIGNALMAN_ENV the deploy target gives the service): a bug that passes
// stage and shows under production traffic.
//
// With WhenFile set, the fault is on only while that file exists: a build
// that degrades at a moment a test or a demo chooses (a leak that shows
// after a while), e.g. during the bake after it took all the traffic.
type Fault struct {
	ErrorRate float64 `json:"error_rate"`
	LatencyMS int     `json:"latency_ms"`
	Env       string  `json:"env,omitempty"`
	WhenFile  string  `json:"when_file,omitempty"`
}

// on reports whether the fault applies to a request now.
func (f Fault) on() bool {
	if f.ErrorRate == 0 && f.LatencyMS == 0 {
		return false
	}
	if f.WhenFile == "" {
		return true
	}
	_, err := os.Stat(f.WhenFile)
	return err == nil
}

// ParseFault reads a fault switch file's contents (JSON; empty means none).
func ParseFault(data []byte) (Fault, error) {
	var f Fault
	if len(strings.TrimSpace(string(data))) == 0 {
		return f, nil
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("fault switch: %w", err)
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 || f.LatencyMS < 0 {
		return f, fmt.Errorf("fault switch: error_rate must be 0..1 and latency_ms >= 0")
	}
	return f, nil
}

// Server serves one service's handlers with the common endpoints.
type Server struct {
	Name    string
	Version string
	Fault   Fault

	mu       sync.Mutex
	requests map[string]int
	errors   map[string]int
	buckets  []float64
	counts   []int
	sum      float64
	total    int
}

var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// Handler wraps mux with the fault switch, metrics and the common endpoints.
func (s *Server) Handler(mux *http.ServeMux) http.Handler {
	s.requests, s.errors = map[string]int{}, map[string]int{}
	s.buckets, s.counts = latencyBuckets, make([]int, len(latencyBuckets))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s\n", s.Name, s.Version)
	})
	mux.HandleFunc("GET /metrics", s.metrics)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" || r.URL.Path == "/healthz" || r.URL.Path == "/version" {
			mux.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		faulty := s.Fault.on()
		if faulty {
			time.Sleep(time.Duration(s.Fault.LatencyMS) * time.Millisecond)
		}
		code := http.StatusOK
		if faulty && s.Fault.ErrorRate > 0 && rand.Float64() < s.Fault.ErrorRate {
			code = http.StatusInternalServerError
			http.Error(w, "injected fault", code)
		} else {
			mux.ServeHTTP(w, r)
		}
		s.observe(code, time.Since(start))
	})
}

func (s *Server) observe(code int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := fmt.Sprint(code)
	s.requests[c]++
	if code >= 500 {
		s.errors[c]++
	}
	sec := d.Seconds()
	for i, b := range s.buckets {
		if sec <= b {
			s.counts[i]++
		}
	}
	s.sum += sec
	s.total++
}

func (s *Server) metrics(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# TYPE http_requests_total counter")
	codes := make([]string, 0, len(s.requests))
	for c := range s.requests {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "http_requests_total{service=%q,code=%q} %d\n", s.Name, c, s.requests[c])
	}
	fmt.Fprintln(w, "# TYPE http_request_duration_seconds histogram")
	for i, b := range s.buckets {
		fmt.Fprintf(w, "http_request_duration_seconds_bucket{service=%q,le=\"%g\"} %d\n", s.Name, b, s.counts[i])
	}
	fmt.Fprintf(w, "http_request_duration_seconds_bucket{service=%q,le=\"+Inf\"} %d\n", s.Name, s.total)
	fmt.Fprintf(w, "http_request_duration_seconds_sum{service=%q} %g\n", s.Name, s.sum)
	fmt.Fprintf(w, "http_request_duration_seconds_count{service=%q} %d\n", s.Name, s.total)
}

// Run serves the handler on $PORT (default fallback) until the process ends.
func Run(name, version string, fault []byte, fallbackPort string, mux *http.ServeMux) {
	f, err := ParseFault(fault)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	if f.Env != "" && f.Env != os.Getenv("SIGNALMAN_ENV") {
		f = Fault{}
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = fallbackPort
	}
	s := &Server{Name: name, Version: version, Fault: f}
	srv := &http.Server{Addr: "127.0.0.1:" + port, Handler: s.Handler(mux), ReadHeaderTimeout: 5 * time.Second}
	if host := os.Getenv("HOST"); host != "" {
		srv.Addr = host + ":" + port
	}
	log.Printf("%s %s listening on %s", name, version, srv.Addr)
	log.Fatal(srv.ListenAndServe())
}
