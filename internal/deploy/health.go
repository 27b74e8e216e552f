package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// healthRequestTimeout bounds one health check request.
const healthRequestTimeout = 2 * time.Second

// notHealthy is why an instance did not become healthy; Start turns it into
// an UnhealthyError with the instance's output.
type notHealthy string

func (e notHealthy) Error() string { return string(e) }

// portTaken is why an instance did not become healthy when another process
// took its port between the target choosing it and the instance binding it:
// launched again on another port, the instance may well succeed.
type portTaken struct {
	port int
	// how is what the health check saw: how the instance ended, or that
	// another process answered.
	how string
}

func (e portTaken) Error() string {
	return fmt.Sprintf("port %d was taken by another process before the instance could bind it (%s)", e.port, e.how)
}

// healthCheck polls one instance until it answers its health path with 2xx.
type healthCheck struct {
	// URL is what is polled, e.g. http://127.0.0.1:41234/healthz.
	URL      string
	Timeout  time.Duration
	Interval time.Duration
	// Ended, if set, is asked before every poll whether the instance has
	// ended, and returns how it did (or "" while it runs); polling then stops.
	Ended func(ctx context.Context) string
	// Owns, if set, confirms a 2xx came from the instance itself, not from
	// another process that took its port.
	Owns func() (bool, error)
	// Port, if set, is the port the target chose for the instance: an
	// instance that ended while another process holds it lost a race for it.
	Port int
}

// wait returns nil once the instance is healthy, a portTaken error when
// another process took its port first (it answered in the instance's place,
// or holds the port of an instance that ended), a notHealthy error when it
// ended otherwise or the timeout passed, or ctx's error.
func (h healthCheck) wait(ctx context.Context) error {
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   healthRequestTimeout,
		// A redirect is an answer of its own, not a hop to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(h.Timeout)
	last := "no answer yet"
	for {
		if err := h.ended(ctx); err != nil {
			return err
		}
		status, err := h.poll(ctx, client, deadline)
		switch {
		case err == nil && status/100 == 2:
			owned, oerr := true, error(nil)
			if h.Owns != nil {
				owned, oerr = h.Owns()
			}
			if owned || oerr != nil {
				return nil
			}
			return portTaken{port: h.Port, how: fmt.Sprintf("GET %s answered %d %s, but not from the instance", h.URL, status, http.StatusText(status))}
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && errors.Is(err, context.DeadlineExceeded) && !time.Now().Before(deadline) && last != "no answer yet":
			// The check's own deadline cut this poll short: what the
			// instance answered before says more.
		case err != nil:
			last = err.Error()
		default:
			last = fmt.Sprintf("GET %s answered %d %s", h.URL, status, http.StatusText(status))
		}
		if !time.Now().Add(h.Interval).Before(deadline) {
			if err := h.ended(ctx); err != nil {
				return err
			}
			return notHealthy(fmt.Sprintf("no 2xx answer within %s; last: %s", h.Timeout, last))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(h.Interval):
		}
	}
}

// ended returns nil while the instance runs, and once it ended, a portTaken
// error if another process holds its port or a notHealthy one saying how.
func (h healthCheck) ended(ctx context.Context) error {
	if h.Ended == nil {
		return nil
	}
	how := h.Ended(ctx)
	switch {
	case how == "":
		return nil
	case h.Port != 0 && portHeld(h.Port):
		return portTaken{port: h.Port, how: how}
	default:
		return notHealthy(how)
	}
}

// portHeld reports whether a process holds port on 127.0.0.1: binding it
// fails with "address in use". Whatever language the instance is written
// in, this is why it could not listen there.
func portHeld(port int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return errors.Is(err, syscall.EADDRINUSE)
	}
	l.Close()
	return false
}

// poll sends one health check request and returns the status code.
func (h healthCheck) poll(ctx context.Context, client *http.Client, deadline time.Time) (int, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
