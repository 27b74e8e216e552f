package router

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// openTimeout bounds Open's health check.
const openTimeout = 2 * time.Second

// Client talks to a router's admin API. The zero HTTP uses
// http.DefaultClient.
type Client struct {
	// Admin is the admin address, host:port (a base URL with http:// also works).
	Admin string
	// Token is the bearer token from the router directory's token file.
	Token string
	HTTP  *http.Client
}

// Open finds the router serving dir: it reads router.json and the token and
// checks that the process named there answers. A worker that restarted uses
// it to find its routers.
func Open(dir string) (Client, Info, error) {
	info, err := readInfo(dir)
	if err != nil {
		return Client{}, Info{}, fmt.Errorf("no router in %s: %w", dir, err)
	}
	token, err := readToken(dir)
	if err != nil {
		return Client{}, Info{}, fmt.Errorf("router in %s: %w", dir, err)
	}
	c := Client{Admin: info.Admin, Token: token}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	h, err := c.health(ctx)
	if err != nil {
		return Client{}, Info{}, fmt.Errorf("router in %s (pid %d) does not answer: %w", dir, info.PID, err)
	}
	if h.PID != info.PID {
		return Client{}, Info{}, fmt.Errorf("router in %s: admin %s answers as pid %d but router.json names pid %d, which is gone", dir, info.Admin, h.PID, info.PID)
	}
	return c, info, nil
}

// State returns the router's routing state.
func (c Client) State(ctx context.Context) (State, error) {
	var s State
	err := c.do(ctx, http.MethodGet, "/state", nil, &s)
	return s, err
}

// SetState replaces the routing state (its Generation is ignored) and returns
// the state now in force. Setting the state already in force changes nothing.
func (c Client) SetState(ctx context.Context, s State) (State, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return State{}, err
	}
	var got State
	err = c.do(ctx, http.MethodPut, "/state", body, &got)
	return got, err
}

// Requests returns the records of requests completed after since, oldest
// first; the zero since returns all the router still holds.
func (c Client) Requests(ctx context.Context, since time.Time) ([]Request, error) {
	path := "/requests"
	if !since.IsZero() {
		path += "?since=" + url.QueryEscape(since.Format(time.RFC3339Nano))
	}
	var rs []Request
	err := c.do(ctx, http.MethodGet, path, nil, &rs)
	return rs, err
}

func (c Client) health(ctx context.Context) (health, error) {
	var h health
	err := c.do(ctx, http.MethodGet, "/healthz", nil, &h)
	return h, err
}

func (c Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	base := c.Admin
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("router %s: %s %s: %w", c.Admin, method, path, err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("router %s: %s %s: %w", c.Admin, method, path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e apiError
		data, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &StatusError{Admin: c.Admin, Method: method, Path: path, StatusCode: res.StatusCode, Message: msg}
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("router %s: %s %s: decode response: %w", c.Admin, method, path, err)
	}
	return nil
}

// StatusError is an admin API answer other than 200 OK. A 400 means the
// request was invalid, and sending it again will not help.
type StatusError struct {
	Admin, Method, Path string
	StatusCode          int
	Message             string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("router %s: %s %s: %d %s: %s", e.Admin, e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}
