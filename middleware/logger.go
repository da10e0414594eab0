package middleware

import (
	"context"
	"log/slog"
)

// RequestIDKey is the attribute name under which request IDs appear in
// logs.
const RequestIDKey = "request_id"

// Logger returns slog.Default() with the request ID of ctx attached, so
// that every line a handler logs carries it:
//
//	middleware.Logger(r.Context()).Info("user created", "id", id)
func Logger(ctx context.Context) *slog.Logger {
	return LoggerFrom(ctx, slog.Default())
}

// LoggerFrom is [Logger] for a given base logger. The derived logger is
// kept in the request's context, so that calling it again for the same
// base costs nothing.
func LoggerFrom(ctx context.Context, base *slog.Logger) *slog.Logger {
	if ctx == nil {
		return base
	}
	c := idContextOf(ctx)
	if c == nil {
		return base
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logBase != base || c.logger == nil {
		c.logBase, c.logger = base, base.With(slog.String(RequestIDKey, c.keptIDLocked()))
	}
	return c.logger
}

// NewLogHandler wraps a slog.Handler so that records logged with a context
// (slog.InfoContext and friends) carry the context's request ID, without
// changing call sites:
//
//	slog.SetDefault(slog.New(middleware.NewLogHandler(slog.NewJSONHandler(os.Stdout, nil))))
func NewLogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

// Handle adds the request ID of ctx to the record.
func (h logHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestIDFrom(ctx); id != "" {
		rec.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.Handler.Handle(ctx, rec)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{h.Handler.WithGroup(name)}
}
