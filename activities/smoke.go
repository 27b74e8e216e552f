package activities

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy/router"
)

// Smoke runs the service's smoke tests through its router, so they reach
// what users reach; with req.Route "canary", through the router's test
// route to the canary alone, which may take no user traffic yet. A failed
// check is permanent: the deploy rolls back.
func (d *Deployer) Smoke(ctx context.Context, req contract.SmokeRequest) error {
	rc, info, err := d.router(ctx, req.Product, req.Env, req.Service.Name)
	if err != nil {
		return err
	}
	var canary string // the canary's version, when the test route is asked for
	switch req.Route {
	case "":
	case router.RouteCanary:
		st, err := rc.State(ctx)
		if err != nil {
			return err
		}
		if st.Canary == nil || len(st.Canary.Backends) == 0 {
			return permanent(contract.ErrTestFailed, fmt.Errorf("smoke test of %s on %s through the canary route: the router has no canary, so there is nothing to test", req.Service.Name, req.Env))
		}
		canary = st.Canary.Version
	default:
		return badInput("smoke test of %s on %s: route %q is not a route: use %q, or leave it empty to test what users reach", req.Service.Name, req.Env, req.Route, router.RouteCanary)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, s := range req.Service.Smoke {
		if err := smoke(ctx, client, "http://"+info.Listen+s.Path, s, canary); err != nil {
			return permanent(contract.ErrTestFailed, fmt.Errorf("smoke test of %s on %s: %w", req.Service.Name, req.Env, err))
		}
	}
	return nil
}

// smoke makes one request and checks its status and body. With a canary
// version it sends the request by the test route and checks first that
// the canary of that version answered it.
func smoke(ctx context.Context, client *http.Client, url string, s config.Smoke, canary string) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if canary != "" {
		r.Header.Set(router.HeaderRoute, router.RouteCanary)
	}
	resp, err := client.Do(r)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	pool, version := resp.Header.Get(router.HeaderBackend), resp.Header.Get(router.HeaderVersion)
	if canary != "" && (pool != router.PoolCanary || version != canary) {
		// The router's own answer, such as "no canary pool", says why.
		why := strings.TrimSpace(string(body[:min(len(body), 300)]))
		return fmt.Errorf("GET %s by the canary route: status %d from pool %q version %q, not from the canary %s: %s",
			url, resp.StatusCode, pool, version, canary, why)
	}
	if resp.StatusCode != s.Status {
		return fmt.Errorf("GET %s: status %d, want %d (version %s)", url, resp.StatusCode, s.Status, version)
	}
	if s.Contains != "" && !strings.Contains(string(body), s.Contains) {
		return fmt.Errorf("GET %s: body does not contain %q", url, s.Contains)
	}
	return nil
}
