package router

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// normalize validates s and returns it in canonical form: backend URLs without
// a trailing slash and a pool with neither version nor backends dropped.
// Generation is left as it is.
func normalize(s State) (State, error) {
	if s.Weight < 0 || s.Weight > 100 {
		return State{}, fmt.Errorf("weight %d is out of range: use a percentage from 0 to 100", s.Weight)
	}
	var err error
	if s.Stable, err = normalizePool(PoolStable, s.Stable); err != nil {
		return State{}, err
	}
	if s.Canary, err = normalizePool(PoolCanary, s.Canary); err != nil {
		return State{}, err
	}
	if s.Weight > 0 && (s.Canary == nil || len(s.Canary.Backends) == 0) {
		return State{}, fmt.Errorf("weight %d sends traffic to the canary, but the canary has no backends: add canary backends or set weight 0", s.Weight)
	}
	return s, nil
}

func normalizePool(name string, p *Pool) (*Pool, error) {
	if p == nil || (p.Version == "" && p.Digest == "" && len(p.Backends) == 0) {
		return nil, nil
	}
	if p.Version == "" {
		return nil, fmt.Errorf("%s pool: version is empty: name the version it runs", name)
	}
	out := &Pool{Version: p.Version, Digest: p.Digest, Backends: make([]string, 0, len(p.Backends))}
	seen := make(map[string]bool, len(p.Backends))
	for i, b := range p.Backends {
		u, err := parseBackend(b)
		if err != nil {
			return nil, fmt.Errorf("%s pool: backends[%d]: %w", name, i, err)
		}
		canon := u.String()
		if seen[canon] {
			return nil, fmt.Errorf("%s pool: backends[%d]: %s is listed twice", name, i, canon)
		}
		seen[canon] = true
		out.Backends = append(out.Backends, canon)
	}
	return out, nil
}

// parseBackend parses a backend base URL of the form http://host:port.
func parseBackend(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("backend %q is not a URL: use http://host:port", raw)
	}
	switch {
	case u.Scheme != "http":
		return nil, fmt.Errorf("backend %q: scheme must be http, as in http://127.0.0.1:8080", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return nil, fmt.Errorf("backend %q: only http://host:port is allowed, without user, query or fragment", raw)
	case u.Path != "" && u.Path != "/":
		return nil, fmt.Errorf("backend %q: only http://host:port is allowed, without a path", raw)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return nil, fmt.Errorf("backend %q: needs a host and a port, as in http://127.0.0.1:8080", raw)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("backend %q: port %q is not a number from 1 to 65535", raw, port)
	}
	if strings.ContainsAny(host, " /\\") {
		return nil, fmt.Errorf("backend %q: host %q is not a host name or IP address", raw, host)
	}
	return &url.URL{Scheme: "http", Host: u.Host}, nil
}

// checkLoopback refuses an admin address that is not on the loopback interface:
// the admin API changes where production traffic goes.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("admin address %q is not a loopback address: use 127.0.0.1:PORT", addr)
}
