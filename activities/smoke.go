package activities

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/contract"
)

// Smoke runs the service's smoke tests through its router, so they reach
// what users reach. A failed check is permanent: the deploy rolls back.
func (d *Deployer) Smoke(ctx context.Context, req contract.SmokeRequest) error {
	_, info, err := d.router(ctx, req.Product, req.Env, req.Service.Name)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, s := range req.Service.Smoke {
		if err := smoke(ctx, client, "http://"+info.Listen+s.Path, s.Status, s.Contains); err != nil {
			return permanent(contract.ErrTestFailed, fmt.Errorf("smoke test of %s on %s: %w", req.Service.Name, req.Env, err))
		}
	}
	return nil
}

// smoke makes one request and checks its status and body.
func smoke(ctx context.Context, client *http.Client, url string, status int, contains string) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(r)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != status {
		return fmt.Errorf("GET %s: status %d, want %d (version %s)", url, resp.StatusCode, status, resp.Header.Get("X-Signalman-Version"))
	}
	if contains != "" && !strings.Contains(string(body), contains) {
		return fmt.Errorf("GET %s: body does not contain %q", url, contains)
	}
	return nil
}
