package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// redactor hides a secret, the database password, in errors and logs: the
// server's drivers may quote a connection string in what they report.
// The zero redactor hides nothing.
type redactor struct {
	// forms are the secret as written and as escaped in a URL.
	forms []string
}

func newRedactor(secret string) redactor {
	if secret == "" {
		return redactor{}
	}
	forms := []string{secret}
	for _, escaped := range []string{url.QueryEscape(secret), url.PathEscape(secret), strings.TrimPrefix(url.UserPassword("", secret).String(), ":")} {
		if escaped != secret {
			forms = append(forms, escaped)
		}
	}
	return redactor{forms: forms}
}

func (r redactor) string(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, "xxxxx")
	}
	return s
}

func (r redactor) contains(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// err returns err with the secret hidden in its message; errors.Is and
// errors.As still see the original.
func (r redactor) err(err error) error {
	if err == nil || !r.contains(err.Error()) {
		return err
	}
	return redactedError{msg: r.string(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// redactHandler hides the secret in every record's message and attributes
// before they reach the wrapped handler.
type redactHandler struct {
	r    redactor
	next slog.Handler
}

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.string(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return redactHandler{r: h.r, next: h.next.WithAttrs(clean)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{r: h.r, next: h.next.WithGroup(name)}
}

func (h redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindString:
		return slog.String(a.Key, h.r.string(v.String()))
	case slog.KindAny:
		if s := fmt.Sprint(v.Any()); h.r.contains(s) {
			return slog.String(a.Key, h.r.string(s))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
