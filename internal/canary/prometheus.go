package canary

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxResponse bounds the bytes read from Prometheus: a canary window at a
// one-second step is far below it, a runaway query is not.
const maxResponse = 32 << 20

// Prometheus reads samples from a Prometheus server's HTTP API.
type Prometheus struct {
	URL    string       // base URL of the server, e.g. http://prometheus:9090
	Client *http.Client // nil means http.DefaultClient
}

// Range evaluates query from start to end every step with the
// /api/v1/query_range endpoint and returns the values of the one series it
// yields, in time order. NaN and infinite values are skipped: the judge
// cannot rank them. A query that yields no series returns no values; one
// that yields several, or a result that is not a matrix, is an error: the
// query should aggregate to one series, e.g. with sum(...).
func (p Prometheus) Range(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]float64, error) {
	base, err := url.Parse(p.URL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("prometheus: URL %q is not an absolute http(s) URL", p.URL)
	}
	where := fmt.Sprintf("prometheus %s: query_range %q", base.Redacted(), query)
	switch {
	case step <= 0:
		return nil, fmt.Errorf("%s: step %v must be positive", where, step)
	case end.Before(start):
		return nil, fmt.Errorf("%s: end %v is before start %v", where, end, start)
	}

	u := base.JoinPath("api", "v1", "query_range")
	u.RawQuery = url.Values{
		"query": {query},
		"start": {start.Format(time.RFC3339Nano)},
		"end":   {end.Format(time.RFC3339Nano)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	defer resp.Body.Close()

	values, err := decodeRange(resp.StatusCode, io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return values, nil
}

// rangeResponse is the envelope of Prometheus's query_range answer.
type rangeResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values []samplePair      `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

// samplePair is one [unix time, "value"] pair of a series.
type samplePair struct {
	value float64
}

func (s *samplePair) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("sample %s: want [time, \"value\"]", b)
	}
	var at float64
	var value string
	if err := json.Unmarshal(pair[0], &at); err != nil {
		return fmt.Errorf("sample %s: time: %w", b, err)
	}
	if err := json.Unmarshal(pair[1], &value); err != nil {
		return fmt.Errorf("sample %s: value: %w", b, err)
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return fmt.Errorf("sample %s: value: %w", b, err)
	}
	s.value = v
	return nil
}

func decodeRange(status int, body io.Reader) ([]float64, error) {
	var r rangeResponse
	err := json.NewDecoder(body).Decode(&r)
	switch {
	case r.Status == "error":
		return nil, fmt.Errorf("HTTP %d: %s: %s", status, r.ErrorType, r.Error)
	case status/100 != 2:
		return nil, fmt.Errorf("HTTP %d %s", status, http.StatusText(status))
	case err != nil:
		return nil, fmt.Errorf("decode response: %w", err)
	case r.Status != "success":
		return nil, fmt.Errorf("response status %q, want success", r.Status)
	case r.Data.ResultType != "matrix":
		return nil, fmt.Errorf("result type %q, want matrix", r.Data.ResultType)
	case len(r.Data.Result) > 1:
		return nil, fmt.Errorf("%d series (first %v, second %v); aggregate the query to one series, e.g. with sum(...)",
			len(r.Data.Result), r.Data.Result[0].Metric, r.Data.Result[1].Metric)
	case len(r.Data.Result) == 0:
		return nil, nil
	}
	values := make([]float64, 0, len(r.Data.Result[0].Values))
	for _, s := range r.Data.Result[0].Values {
		if !notFinite(s.value) {
			values = append(values, s.value)
		}
	}
	return values, nil
}
