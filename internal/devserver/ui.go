package devserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// webUI is the Temporal Web UI, serving its embedded assets and proxying its
// API calls to the frontend.
type webUI struct {
	server *uiserver.Server
	url    string // for people
	probe  string // health endpoint, by IP
	done   chan struct{}
}

// startUI serves the UI on host:port (port 0 picks one) for namespace at
// frontend and returns once it answers.
func startUI(ctx context.Context, host string, port int, frontend, namespace string) (*webUI, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	// The UI server exits the process when it cannot listen, so make sure it
	// can (this also resolves port 0).
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start web UI: listen on %s: %w; stop what uses the port or choose another", addr, err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	server := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: frontend,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Local only: no news from the internet, no release checks, and
		// cookies that work over plain HTTP.
		DisableNewsFetch:   true,
		NotifyOnNewVersion: false,
		CORS:               uiconfig.CORS{CookieInsecure: true},
		HideLogs:           true,
	}))
	ui := &webUI{
		server: server,
		url:    "http://" + net.JoinHostPort(browserHost(host), strconv.Itoa(port)),
		probe:  "http://" + net.JoinHostPort(dialHost(host), strconv.Itoa(port)) + "/healthz",
		done:   make(chan struct{}),
	}
	go func() {
		defer close(ui.done)
		_ = server.Start()
	}()

	if err := ui.await(ctx); err != nil {
		ui.stop()
		return nil, err
	}
	return ui, nil
}

// await polls the UI's health endpoint until it answers.
func (ui *webUI) await(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ui.probe, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("web UI at %s did not answer: %w", ui.url, ctx.Err())
		case <-ui.done:
			return fmt.Errorf("web UI at %s stopped while starting", ui.url)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// stop closes the UI server; the wait is bounded because a server closed
// before it began listening would never return from Start.
func (ui *webUI) stop() {
	ui.server.Stop()
	select {
	case <-ui.done:
	case <-time.After(5 * time.Second):
	}
}

// browserHost is the host name to put in a URL for a server listening on host.
func browserHost(host string) string {
	if ip := net.ParseIP(host); host == "" || ip.IsLoopback() || ip.IsUnspecified() {
		return "localhost"
	}
	return host
}
