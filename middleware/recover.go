package middleware

import (
	"log/slog"
	"runtime/debug"

	"github.com/rawsock/httpserver"
)

// RecoverOptions configures [Recover].
type RecoverOptions struct {
	// Logger receives the panic and its stack, with the request ID;
	// slog.Default() if nil.
	Logger *slog.Logger
}

// representationFields are dropped from a response replaced by a 500:
// they described the body the handler meant to send.
var representationFields = [...]string{
	"Content-Type", "Content-Length", "Content-Encoding", "Content-Range",
	"Content-Disposition", "Content-Language", "Content-Location", "ETag",
	"Last-Modified", "Trailer",
}

// Recover returns middleware that turns a handler panic into a 500
// response and one log record with the stack and the request ID; the
// representation fields the handler had set (Content-Type, ETag...) are
// dropped. A response the handler had started is discarded with
// [httpserver.ResponseController.Reset] while none of it has left the
// server; once some may have (a Flush, or a body larger than the
// server's buffers), or when a writer in between cannot be reset, a 500
// can no longer be delivered reliably: the middleware then panics with
// httpserver.ErrAbortHandler, so that the server closes the connection
// without logging again and the client sees a broken response rather
// than a complete-looking one. A panic with
// httpserver.ErrAbortHandler itself is passed on without being logged.
func Recover(opts RecoverOptions) httpserver.Middleware {
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
			rec, owned := observe(w)
			defer func() {
				p := recover()
				if p == nil {
					if owned {
						putRecorder(rec)
					}
					return
				}
				if p == httpserver.ErrAbortHandler {
					panic(p)
				}
				rec.flags |= flagPanicked
				if owned {
					note(w, flagPanicked)
				}
				logger := opts.Logger
				if logger == nil {
					logger = slog.Default()
				}
				LoggerFrom(r.Context(), logger).Error("panic serving request",
					"method", r.Method, "path", r.Path, "route", r.Pattern,
					"panic", p, "stack", string(debug.Stack()))
				if rec.wroteHeader && rec.Reset() != nil {
					panic(httpserver.ErrAbortHandler)
				}
				h := rec.Header()
				for _, f := range representationFields {
					h.Del(f)
				}
				httpserver.Error(rec, httpserver.StatusInternalServerError)
				if owned {
					putRecorder(rec)
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
