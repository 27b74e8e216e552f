package deploy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
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

	// A port another process holds, and one nobody does.
	held := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer held.Close()
	heldPort := held.Listener.Addr().(*net.TCPAddr).Port
	freed, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ended := func(context.Context) string { return "it ended (exit status 1) before it was healthy" }
	notOwned := func() (bool, error) { return false, nil }

	tests := []struct {
		name    string
		check   healthCheck
		wantErr string // "" for healthy
		// wantTaken says the error is a portTaken, not a notHealthy.
		wantTaken bool
	}{
		{"healthy_after_a_few_polls", healthCheck{URL: srv.URL + "/healthz", Timeout: 5 * time.Second, Interval: 10 * time.Millisecond}, "", false},
		{"times_out_with_the_last_status", healthCheck{URL: sick.URL + "/healthz", Timeout: 2 * time.Second, Interval: 10 * time.Millisecond}, "answered 500 Internal Server Error", false},
		{"times_out_with_the_last_error", healthCheck{URL: "http://127.0.0.1:1/healthz", Timeout: 2 * time.Second, Interval: 10 * time.Millisecond}, "connection refused", false},
		{"stops_when_the_instance_ended", healthCheck{URL: sick.URL, Timeout: time.Minute, Interval: 10 * time.Millisecond,
			Ended: func(context.Context) string { return "it ended (exit status 1)" }}, "it ended (exit status 1)", false},
		{"ended_while_another_process_holds_its_port", healthCheck{URL: "http://127.0.0.1:1/healthz", Timeout: time.Minute, Interval: 10 * time.Millisecond,
			Ended: ended, Port: heldPort}, "port " + strconv.Itoa(heldPort) + " was taken by another process before the instance could bind it (it ended (exit status 1)", true},
		{"ended_with_its_port_free", healthCheck{URL: "http://127.0.0.1:1/healthz", Timeout: time.Minute, Interval: 10 * time.Millisecond,
			Ended: ended, Port: freed}, "it ended (exit status 1)", false},
		{"answered_by_another_process_fails_at_once", healthCheck{URL: held.URL + "/healthz", Timeout: time.Minute, Interval: 10 * time.Millisecond,
			Owns: notOwned, Port: heldPort}, "answered 200 OK, but not from the instance", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			begin := time.Now()
			err := tt.check.wait(context.Background())
			var nh notHealthy
			var taken portTaken
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("wait: %v, want healthy", err)
			case tt.wantErr != "" && !tt.wantTaken && (!errors.As(err, &nh) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("wait: %v, want notHealthy saying %q", err, tt.wantErr)
			case tt.wantTaken && (!errors.As(err, &taken) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("wait: %v, want portTaken saying %q", err, tt.wantErr)
			case tt.wantTaken && time.Since(begin) > tt.check.Timeout/2:
				t.Errorf("wait took %s: a port race must be reported when seen, not at the timeout", time.Since(begin))
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
