package deploy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHealthCheck(t *testing.T) {
	var calls atomic.Int64
	// Healthy from the third request on.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "warming up", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer sick.Close()

	tests := []struct {
		name    string
		check   healthCheck
		wantErr string // "" for healthy
	}{
		{"healthy_after_a_few_polls", healthCheck{URL: srv.URL + "/healthz", Timeout: 5 * time.Second, Interval: 10 * time.Millisecond}, ""},
		{"times_out_with_the_last_status", healthCheck{URL: sick.URL + "/healthz", Timeout: 2 * time.Second, Interval: 10 * time.Millisecond}, "answered 500 Internal Server Error"},
		{"times_out_with_the_last_error", healthCheck{URL: "http://127.0.0.1:1/healthz", Timeout: 2 * time.Second, Interval: 10 * time.Millisecond}, "connection refused"},
		{"stops_when_the_instance_ended", healthCheck{URL: sick.URL, Timeout: time.Minute, Interval: 10 * time.Millisecond,
			Ended: func(context.Context) string { return "it ended (exit status 1)" }}, "it ended (exit status 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check.wait(context.Background())
			var nh notHealthy
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("wait: %v, want healthy", err)
			case tt.wantErr != "" && (!errors.As(err, &nh) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("wait: %v, want notHealthy saying %q", err, tt.wantErr)
			}
		})
	}

	t.Run("stops_when_the_context_ends", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := healthCheck{URL: sick.URL, Timeout: time.Minute, Interval: 10 * time.Millisecond}.wait(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("wait: %v, want the context's error", err)
		}
	})
}
