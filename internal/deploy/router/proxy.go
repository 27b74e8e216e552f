package router

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// statusClientClosed records a request whose client went away before the
// backend answered (nginx's convention); it is not a backend error.
const statusClientClosed = 499

// proxy is the traffic handler: it routes each request by the current table
// and records its outcome.
type proxy struct {
	table     atomic.Pointer[table]
	transport *http.Transport
	records   *ring
	none      poolMetrics // requests refused for want of any backend
	log       *slog.Logger
	errorLog  *errorLimiter
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	want := r.Header.Get(HeaderRoute)
	test := want != ""
	rt, refused := p.table.Load().choose(want)
	if rt == nil {
		http.Error(w, refused.msg, refused.status)
		p.record(poolNone, "", p.none, test, refused.status, time.Since(start))
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		// ReverseProxy aborts with a panic when a response breaks off while
		// its body is copied; record it before the server drops the connection.
		if v := recover(); v != nil {
			status := http.StatusBadGateway
			if r.Context().Err() != nil {
				status = statusClientClosed
			}
			p.record(rt.pool, rt.version, rt.metrics, test, status, time.Since(start))
			panic(v)
		}
	}()
	rt.backend().ServeHTTP(sw, r)
	p.record(rt.pool, rt.version, rt.metrics, test, sw.result(), time.Since(start))
}

func (p *proxy) record(pool, version string, m poolMetrics, test bool, status int, d time.Duration) {
	m.observe(test, status, d.Seconds())
	p.records.add(Request{Pool: pool, Version: version, Latency: d, Status: status, Test: test})
}

// newBackend returns the handler that forwards to target for route rt.
func (p *proxy) newBackend(rt *route, target *url.URL) http.Handler {
	pool, version := rt.pool, rt.version
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// Keep the chain from proxies in front of this one.
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
		},
		Transport: p.transport,
		ModifyResponse: func(res *http.Response) error {
			res.Header.Set(HeaderBackend, pool)
			res.Header.Set(HeaderVersion, version)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
				w.WriteHeader(statusClientClosed)
				return
			}
			if p.errorLog.allow() {
				p.log.Warn("backend did not answer", "pool", pool, "version", version, "backend", target.Host, "err", err)
			}
			w.Header().Set(HeaderBackend, pool)
			w.Header().Set(HeaderVersion, version)
			http.Error(w, "signalman router: the "+pool+" backend did not answer", http.StatusBadGateway)
		},
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
}

// newTransport returns the transport shared by all backends, so connections
// are kept across routing changes. It ignores proxy environment variables:
// backends are addressed directly.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// statusWriter remembers the status sent to the client.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) result() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// errorLimiter lets through at most one log line a second, so a backend that
// is down under load does not flood the log.
type errorLimiter struct {
	last atomic.Int64 // unix nanoseconds of the last allowed line
}

func (l *errorLimiter) allow() bool {
	now := time.Now().UnixNano()
	last := l.last.Load()
	return now-last >= int64(time.Second) && l.last.CompareAndSwap(last, now)
}
