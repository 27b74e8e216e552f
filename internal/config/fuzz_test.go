package config

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse checks that Parse never panics, that every failure is a list
// of problems sorted by line, and that every success is a valid pipeline
// that reads back the same once written out.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("testdata/signalman.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(base))
	f.Add([]byte(base + "approvers: {sre: [sam, sam]}\nrelease: {ship_delay: -1m}\n"))
	f.Add([]byte(strings.Replace(base, "  - name: api\n", "  - &s {name: api, instances: 2}\n  - {<<: *s, name: web}\n", 1)))
	f.Add([]byte(strings.Replace(base, "prod: {}", "prod: {window: {start: '9:00', days: [mon]}, canary: {steps: [{weight: 5, pause: 1m}]}}", 1)))
	f.Add([]byte("a: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if p != nil {
				t.Errorf("Parse returned a pipeline with its error")
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse error %v is not a non-empty Errors", err)
			}
			if !slices.IsSortedFunc(errs, func(a, b *Error) int { return a.Line - b.Line }) {
				t.Errorf("problems are not sorted by line:\n%v", err)
			}
			for _, e := range errs {
				if e.File != "fuzz.yaml" || e.Msg == "" {
					t.Errorf("problem %+v lacks its file or message", e)
				}
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("a parsed pipeline does not validate:\n%v", err)
		}
		out, err := yaml.Marshal(p)
		if err != nil {
			t.Fatalf("marshal a parsed pipeline: %v", err)
		}
		q, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("a parsed pipeline, written out, does not parse:\n%v\n%s", err, out)
		}
		again, err := yaml.Marshal(q)
		if err != nil {
			t.Fatalf("marshal a re-parsed pipeline: %v", err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("a parsed pipeline changed when written out and read back:\n%s\nbecame:\n%s", out, again)
		}
	})
}
