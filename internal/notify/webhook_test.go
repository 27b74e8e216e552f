package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSendWebhook(t *testing.T) {
	var got []byte
	var sig string
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		sig = r.Header.Get(SignatureHeader)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	e := Event{SpecVersion: "1.0", ID: "release/shop/v1.2.0/run/7", Source: "signalman/shop", Type: EventType("deployed"), Time: time.Now(), Data: EventData{Product: "shop", Text: "in production"}}
	if err := SendWebhook(context.Background(), srv.Client(), srv.URL, "s3cret", e); err != nil {
		t.Fatal(err)
	}
	if !VerifyWebhook("s3cret", got, sig) || VerifyWebhook("other", got, sig) {
		t.Errorf("signature %q: want it to verify with the secret and only with it", sig)
	}
	status = http.StatusBadRequest
	var permanent *PermanentError
	if err := SendWebhook(context.Background(), srv.Client(), srv.URL, "s3cret", e); !errors.As(err, &permanent) {
		t.Errorf("HTTP 400: %v, want a permanent error", err)
	}
	for _, s := range []int{http.StatusTooManyRequests, http.StatusBadGateway} {
		status = s
		if err := SendWebhook(context.Background(), srv.Client(), srv.URL, "s3cret", e); err == nil || errors.As(err, &permanent) {
			t.Errorf("HTTP %d: %v, want an error worth retrying", s, err)
		}
	}
}
