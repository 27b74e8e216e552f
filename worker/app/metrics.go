package app

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// metrics exports the SDK's metrics in Prometheus format.
type metrics struct {
	handler client.MetricsHandler
	// registry takes the worker's own metrics, served with the SDK's.
	registry prometheus.Registerer
	http     http.Handler
	close    func()
}

// newMetrics builds the SDK metrics handler; with no address, metrics are off.
func newMetrics(addr string) (*metrics, error) {
	if addr == "" {
		return &metrics{close: func() {}}, nil
	}
	reg := prometheus.NewRegistry()
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: reg})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
		Prefix:          "signalman",
	}, time.Second)
	return &metrics{
		handler:  sdktally.NewMetricsHandler(scope),
		registry: reg,
		http:     promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		close:    func() { closer.Close() },
	}, nil
}
