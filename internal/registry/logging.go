package registry

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// instanceIDKey is the context key, and the log field, under which
// distribution looks for its instance id. It must be this plain string for
// distribution to find it.
const instanceIDKey = "instance.id"

// withInstanceID tags ctx, and so every log entry distribution writes while
// serving from it, with the registry's id.
func withInstanceID(ctx context.Context, id string) context.Context {
	//lint:ignore SA1029 distribution reads the instance id under this string key.
	return context.WithValue(ctx, instanceIDKey, id)
}

// logs carries distribution's logs to each registry's slog.Logger.
//
// distribution logs through logrus's standard logger and offers no exported
// way to give it another one; it is chatty at info. So, once a registry
// starts, that logger writes nothing itself, keeps only warnings and worse,
// and hands each entry to the Logger of the registry whose instance id it
// carries. An entry without one (from another user of logrus's standard
// logger in this process) goes to slog.Default().
//
// It is package state because logrus's standard logger is process state.
var logs = &logBridge{loggers: make(map[string]*slog.Logger)}

type logBridge struct {
	install sync.Once
	mu      sync.RWMutex
	loggers map[string]*slog.Logger // by instance id
}

// route sends the entries of instance id to logger until the returned
// function is called.
func (b *logBridge) route(id string, logger *slog.Logger) (remove func()) {
	b.install.Do(func() {
		logrus.SetOutput(io.Discard)
		logrus.SetLevel(logrus.WarnLevel)
		logrus.AddHook(b)
	})
	b.mu.Lock()
	b.loggers[id] = logger
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.loggers, id)
		b.mu.Unlock()
	}
}

// Levels implements logrus.Hook.
func (b *logBridge) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

// Fire implements logrus.Hook.
func (b *logBridge) Fire(e *logrus.Entry) error {
	id, _ := e.Data[instanceIDKey].(string)
	b.mu.RLock()
	logger, ok := b.loggers[id]
	b.mu.RUnlock()
	if !ok {
		logger = slog.Default()
	}

	attrs := make([]slog.Attr, 0, len(e.Data))
	for k, v := range e.Data {
		if k == instanceIDKey || k == "go.version" {
			continue
		}
		attrs = append(attrs, slog.Any(k, v))
	}
	slices.SortFunc(attrs, func(a, b slog.Attr) int { return strings.Compare(a.Key, b.Key) })

	ctx := e.Context
	if ctx == nil {
		ctx = context.Background()
	}
	logger.LogAttrs(ctx, level(e), e.Message, attrs...)
	return nil
}

// level maps an entry's level to slog's. distribution logs every request
// that ends in an error response at error level, the 404s that every push
// meets by design (is this blob there yet?) included. A 4xx response is the
// client's business, reported to the client, so it logs at debug.
func level(e *logrus.Entry) slog.Level {
	if status, ok := e.Data["http.response.status"].(int); ok && status >= 400 && status < 500 {
		return slog.LevelDebug
	}
	if e.Level <= logrus.ErrorLevel {
		return slog.LevelError
	}
	return slog.LevelWarn
}
