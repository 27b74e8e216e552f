package devserver

import (
	"maps"
	"strings"
	"testing"
)

func TestParsePostgresURL(t *testing.T) {
	const secret = "s3cr:et/@x"
	withSecret := func(rest string) string {
		return "postgres://signalman:" + strings.NewReplacer(":", "%3A", "/", "%2F", "@", "%40").Replace(secret) + "@" + rest
	}
	t.Run("valid", func(t *testing.T) {
		for _, tt := range []struct {
			url                        string
			addr, user, password, name string
			attrs                      map[string]string
		}{
			{withSecret("db.internal:6543/releases?sslmode=verify-full"), "db.internal:6543", "signalman", secret, "releases", map[string]string{"sslmode": "verify-full"}},
			{"postgresql://temporal@10.0.0.5", "10.0.0.5:5432", "temporal", "", "temporal", map[string]string{}},
			{"postgres://u:p@[::1]:5432/", "[::1]:5432", "u", "p", "temporal", map[string]string{}},
		} {
			got, err := parsePostgresURL(tt.url)
			if err != nil {
				t.Errorf("parsePostgresURL(%q): %v", tt.url, err)
				continue
			}
			if got.addr != tt.addr || got.user != tt.user || got.password != tt.password || got.database != tt.name || !maps.Equal(got.attrs, tt.attrs) {
				t.Errorf("parsePostgresURL(%q) = %+v", tt.url, *got)
			}
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, tt := range []struct{ url, want string }{
			{"mysql" + strings.TrimPrefix(withSecret("h/temporal"), "postgres"), "not postgres"},
			{withSecret("h:port/temporal"), "invalid port"},
			{withSecret("h:70000/temporal"), "1 to 65535"},
			{strings.Replace(withSecret("h/temporal"), "signalman", "", 1), "no user"},
			{withSecret("/temporal"), "no host"},
			{withSecret("h/Releases"), "lower-case"},
			{withSecret("h/" + strings.Repeat("a", 53)), "at most 52"},
			{withSecret("h/temporal?sslmode=disable&sslmode=require"), "given 2 times"},
		} {
			_, err := parsePostgresURL(tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parsePostgresURL(%q) error = %v, want one saying %q", tt.url, err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "s3cr") || strings.Contains(err.Error(), "S3cr")) {
				t.Errorf("parsePostgresURL error quotes the password: %v", err)
			}
		}
	})
}
