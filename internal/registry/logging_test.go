package registry

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestLogBridge(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	remove := logs.route("test-instance", logger)
	entry := logrus.WithField(instanceIDKey, "test-instance")

	entry.Info("chatter")
	entry.WithField("http.response.status", 404).Error("response completed with error")
	entry.WithField("http.response.status", 500).Error("storage failed")
	entry.Warn("disk nearly full")
	remove()
	entry.Warn("after remove")

	got := buf.String()
	for _, want := range []string{
		`level=DEBUG msg="response completed with error" http.response.status=404`,
		`level=ERROR msg="storage failed" http.response.status=500`,
		`level=WARN msg="disk nearly full"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("logs lack %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"chatter", "after remove", instanceIDKey} {
		if strings.Contains(got, unwanted) {
			t.Errorf("logs have %q:\n%s", unwanted, got)
		}
	}
}
