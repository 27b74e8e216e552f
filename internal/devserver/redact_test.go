package devserver

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestRedactHidesThePasswordInLogsAndErrors(t *testing.T) {
	const secret = "pa ss/w@rd"
	r := newRedactor(secret)
	var out bytes.Buffer
	logger := slog.New(redactHandler{r: r, next: slog.NewTextHandler(&out, nil)})
	dsn := "postgres://u:" + strings.NewReplacer(" ", "+", "/", "%2F", "@", "%40").Replace(secret) + "@h/db"
	logger.With("dsn", dsn).Error("connect "+secret, "err", net.UnknownNetworkError(dsn), slog.Group("db", "password", secret))
	for _, form := range []string{secret, "pa+ss", "pa%20ss"} {
		if strings.Contains(out.String(), form) {
			t.Errorf("log shows %q: %s", form, out.String())
		}
	}
	if !strings.Contains(out.String(), "xxxxx") {
		t.Errorf("log shows no redaction: %s", out.String())
	}
	if err := r.err(net.UnknownNetworkError(dsn)); strings.Contains(err.Error(), "pa+ss") {
		t.Errorf("error shows the password: %v", err)
	}
}
