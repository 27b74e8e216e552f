package router

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxStateBody bounds a PUT /state body.
const maxStateBody = 1 << 20

// health is the body of GET /healthz.
type health struct {
	Status     string `json:"status"`
	PID        int    `json:"pid"`
	Generation int64  `json:"generation"`
}

// apiError is the body of an admin API error.
type apiError struct {
	Error string `json:"error"`
}

func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /state", s.auth(http.HandlerFunc(s.handleGetState)))
	mux.Handle("PUT /state", s.auth(http.HandlerFunc(s.handlePutState)))
	mux.Handle("GET /requests", s.auth(http.HandlerFunc(s.handleRequests)))
	mux.Handle("GET /metrics", s.auth(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})))
	return mux
}

// auth lets through requests carrying the router's bearer token.
func (s *Server) auth(next http.Handler) http.Handler {
	want := []byte(s.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="signalman-router"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token: use the token in the router directory's token file")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeResult(w, health{Status: "ok", PID: os.Getpid(), Generation: s.currentState().Generation})
}

func (s *Server) handleGetState(w http.ResponseWriter, _ *http.Request) {
	writeResult(w, s.currentState())
}

func (s *Server) handlePutState(w http.ResponseWriter, r *http.Request) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxStateBody))
	dec.DisallowUnknownFields()
	var next State
	if err := dec.Decode(&next); err != nil {
		writeError(w, http.StatusBadRequest, "state body: "+err.Error())
		return
	}
	next, err := normalize(next)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	got, err := s.setState(next)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeResult(w, got)
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("since %q is not an RFC 3339 time such as 2006-01-02T15:04:05.999999999Z", v))
			return
		}
		since = t
	}
	writeResult(w, s.proxy.records.since(since))
}

func writeResult(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	// An error here means the client went away; there is no one to tell.
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(apiError{Error: msg})
}
