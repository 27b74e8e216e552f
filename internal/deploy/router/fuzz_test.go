package router

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"stable":{"version":"v1","backends":["http://127.0.0.1:8080/"]},"weight":0}`))
	f.Add([]byte(`{"stable":{"version":"v1","backends":["http://a:1"]},"canary":{"version":"v2","backends":["http://[::1]:2"]},"weight":50}`))
	f.Add([]byte(`{"canary":{"version":"v2","backends":["http://x:99999"]},"weight":101}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s State
		if json.Unmarshal(data, &s) != nil {
			return
		}
		n, err := normalize(s)
		if err != nil {
			return
		}
		again, err := normalize(n)
		if err != nil || !reflect.DeepEqual(again, n) {
			t.Fatalf("normalize is not idempotent: %+v -> %+v (%v)", n, again, err)
		}
		if _, err := newTable(n, newMetrics(), func(*route, *url.URL) http.Handler { return http.NotFoundHandler() }); err != nil {
			t.Fatalf("a valid state makes no table: %v", err)
		}
	})
}
