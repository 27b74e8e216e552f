package router

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics holds the router's Prometheus metrics, labelled by pool and version
// so the canary judge can compare the two. Test requests (see HeaderRoute)
// are counted apart, in tests, so that the others count user traffic only.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	tests    *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_requests_total",
			Help: "Requests proxied, by pool, version and HTTP status code.",
		}, []string{"pool", "version", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_request_errors_total",
			Help: "Requests that failed with a 5xx status or a backend transport error, by pool and version.",
		}, []string{"pool", "version"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "router_request_duration_seconds",
			Help: "Time from request to complete response, by pool and version.",
			// From 250µs to about 16s: services behind the router answer on
			// loopback, where the default buckets start too coarse.
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 17),
		}, []string{"pool", "version"}),
		tests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "router_test_requests_total",
			Help: "Test requests (X-Signalman-Route), by pool, version and HTTP status code; the other metrics leave them out.",
		}, []string{"pool", "version", "code"}),
	}
	m.registry.MustRegister(m.requests, m.errors, m.duration, m.tests)
	return m
}

// poolMetrics are the metrics of one pool and version, bound once per routing
// table rather than looked up per request.
type poolMetrics struct {
	requests *prometheus.CounterVec // by code
	errors   prometheus.Counter
	duration prometheus.Observer
	tests    *prometheus.CounterVec // by code
}

func (m *metrics) pool(pool, version string) poolMetrics {
	l := prometheus.Labels{"pool": pool, "version": version}
	return poolMetrics{
		requests: m.requests.MustCurryWith(l),
		errors:   m.errors.With(l),
		duration: m.duration.With(l),
		tests:    m.tests.MustCurryWith(l),
	}
}

// observe counts one request; a test request only in the test counter.
func (p poolMetrics) observe(test bool, status int, seconds float64) {
	if test {
		p.tests.WithLabelValues(strconv.Itoa(status)).Inc()
		return
	}
	p.requests.WithLabelValues(strconv.Itoa(status)).Inc()
	if status >= 500 {
		p.errors.Inc()
	}
	p.duration.Observe(seconds)
}
