package devserver

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// minLevelHandler drops records below a minimum level before they reach the
// wrapped handler, so the server's chatty info logs cost nothing.
type minLevelHandler struct {
	min  slog.Leveler
	next slog.Handler
}

func (h minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min.Level() && h.next.Enabled(ctx, l)
}

func (h minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{min: h.min, next: h.next.WithAttrs(attrs)}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{min: h.min, next: h.next.WithGroup(name)}
}

// stopLevel is a minimum level that silences the server once it stops: its
// services log every connection and request that the shutdown cuts short.
type stopLevel struct {
	base     slog.Leveler
	stopping atomic.Bool
}

func (l *stopLevel) Level() slog.Level {
	if l.stopping.Load() {
		return slog.LevelError + 1
	}
	return l.base.Level()
}

// serverLogger adapts a slog.Logger to the Temporal server's log.Logger.
// Tags added with With are converted only when a record is actually logged.
type serverLogger struct {
	slog *slog.Logger
	tags []tag.Tag
}

var (
	_ log.Logger      = serverLogger{}
	_ log.WithLogger  = serverLogger{}
	_ log.SLogWrapper = serverLogger{}
)

func (l serverLogger) Debug(msg string, tags ...tag.Tag) { l.log(slog.LevelDebug, msg, tags) }
func (l serverLogger) Info(msg string, tags ...tag.Tag)  { l.log(slog.LevelInfo, msg, tags) }
func (l serverLogger) Warn(msg string, tags ...tag.Tag)  { l.log(slog.LevelWarn, msg, tags) }
func (l serverLogger) Error(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// DPanic only panics in the server's development mode, which this is not.
func (l serverLogger) DPanic(msg string, tags ...tag.Tag) { l.log(slog.LevelError, msg, tags) }

// Panic and Fatal keep the semantics the server's code was written against
// (its own zap logger panics and exits): the code after them assumes they
// do not return.
func (l serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.log(slog.LevelError, msg, tags)
	panic(msg)
}

func (l serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.log(slog.LevelError, msg, tags)
	os.Exit(1)
}

// With returns a logger that adds tags to every record.
func (l serverLogger) With(tags ...tag.Tag) log.Logger {
	all := make([]tag.Tag, 0, len(l.tags)+len(tags))
	all = append(append(all, l.tags...), tags...)
	return serverLogger{slog: l.slog, tags: all}
}

// SLog lets server components that log through slog use the same filtered logger.
func (l serverLogger) SLog() *slog.Logger {
	return l.slog.With(tagAttrs(l.tags)...)
}

func (l serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !l.slog.Enabled(ctx, level) {
		return
	}
	l.slog.Log(ctx, level, msg, append(tagAttrs(l.tags), tagAttrs(tags)...)...)
}

func tagAttrs(tags []tag.Tag) []any {
	attrs := make([]any, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	return attrs
}
