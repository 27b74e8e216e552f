package identity

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/notify"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

const webhookSecret = "webhook-secret-e2e-41b7"

// receiver is a paging tool's webhook endpoint: it checks each delivery's
// HMAC, takes each event ID once, and can hold a delivery open.
type receiver struct {
	mu        sync.Mutex
	arrivals  map[string]int // deliveries by event ID
	processed []notify.Event // each ID once
	forged    int
	// hold keeps the first delivery of this event type open until the
	// sender goes away, and says so on held.
	hold string
	held chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !notify.VerifyWebhook(webhookSecret, body, r.Header.Get(notify.SignatureHeader)) {
		rc.mu.Lock()
		rc.forged++
		rc.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var e notify.Event
	if err := json.Unmarshal(body, &e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.arrivals[e.ID]++
	first := rc.arrivals[e.ID] == 1
	hold := first && e.Type == rc.hold
	seen := slices.ContainsFunc(rc.processed, func(p notify.Event) bool { return p.ID == e.ID })
	if !hold && !seen {
		rc.processed = append(rc.processed, e)
	}
	rc.mu.Unlock()
	if hold {
		close(rc.held)
		<-r.Context().Done() // the worker died with the request open
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// TestWebhook: every message also goes to an outgoing webhook as a signed
// CloudEvent. The production announcement names the on-call; the worker
// is killed while the receiver holds that delivery open, and the new
// worker's retry sends the same event ID, which the receiver takes once.
func TestWebhook(t *testing.T) {
	rc := &receiver{arrivals: map[string]int{}, hold: notify.EventType("deployed"), held: make(chan struct{})}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	_, remote, _ := e2e.ExampleRepo(t, nil)
	cfg := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "api")+fmt.Sprintf(`environments:
  stage: {}
  prod: {window: always}
release: {ship_delay: 0s}
oncall: {people: [sam]}
notifications:
  webhook: {url: %q}
`, srv.URL))
	stk := e2e.NewStack(t)
	stk.WorkerEnv = []string{"SIGNALMAN_WEBHOOK_SECRET=" + webhookSecret}
	worker := e2e.StartWorker(t, stk)
	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.1.0", "--config", cfg, "--as", "rita")
	select {
	case <-rc.held:
	case <-time.After(5 * time.Minute):
		t.Fatal("the production announcement never reached the webhook")
	}
	worker.Kill()
	e2e.StartWorker(t, stk)
	if st := e2e.WaitFinished(t, stk, "v1.1.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0: %s: %s", st.State, st.Error)
	}

	e2e.SaveHistory(t, stk.Srv.Addr, workflows.ReleaseID("shop", "v1.1.0"), "release-webhook")
	e2e.NoSecret(t, stk.Srv.Addr, webhookSecret, workflows.ReleaseID("shop", "v1.1.0"))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.forged != 0 {
		t.Errorf("%d deliveries failed the HMAC check", rc.forged)
	}
	var deployed []notify.Event
	for _, e := range rc.processed {
		if e.Type == rc.hold {
			deployed = append(deployed, e)
		}
		if e.SpecVersion != "1.0" || e.Source != "signalman/shop" || e.ID == "" {
			t.Errorf("event %+v is not a Signalman CloudEvent", e)
		}
	}
	if len(deployed) != 1 {
		t.Fatalf("the production announcement was taken %d times, want once: %+v", len(deployed), rc.processed)
	}
	if n := rc.arrivals[deployed[0].ID]; n < 2 {
		t.Errorf("the announcement arrived %d time(s); want the killed worker's delivery and the retry, with one ID", n)
	}
	if d := deployed[0].Data; d.Version != "v1.1.0" || !slices.Equal(d.OnCall, []string{"sam"}) {
		t.Errorf("announcement data %+v, want v1.1.0 naming sam on call", d)
	}
}
