package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/middleware"
)

// metricsStopGrace bounds the graceful stop of the metrics listener; a
// scrape is short.
const metricsStopGrace = 2 * time.Second

// metricsListener serves the metrics on their own address (--metrics-addr),
// so that they need not be public on the serving port.
type metricsListener struct {
	srv    *httpserver.Server
	ln     net.Listener
	served chan error
}

// startMetrics listens on cfg's metrics address, or serves ln when it is
// not nil (handed over by the previous process), and serves the metrics
// that m returns there at the metrics path. It returns nil, nil when no
// separate address is set or metrics are off.
func startMetrics(cfg *config.Config, m func() *middleware.Metrics, ln net.Listener, log *slog.Logger) (*metricsListener, error) {
	addr := cfg.Middleware.MetricsAddr
	if addr == "" || m() == nil {
		return nil, nil
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("httpserver: cannot listen on metrics address %q: %w", addr, err)
		}
	}
	path := cfg.Middleware.MetricsPath
	if path == "" {
		path = "/metrics"
	}
	var h httpserver.Handler = httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		switch {
		case r.Path != path:
			httpserver.Error(w, httpserver.StatusNotFound)
		case r.Method != "GET" && r.Method != "HEAD":
			// RFC 9110 §15.5.6: 405 carries the Allow field.
			w.Header().Set("Allow", "GET, HEAD")
			httpserver.Error(w, httpserver.StatusMethodNotAllowed)
		default:
			m().ServeHTTP(w, r)
		}
	})
	if !cfg.Middleware.NoCompress {
		h = middleware.Compress(middleware.CompressOptions{})(h)
	}
	ml := &metricsListener{srv: &httpserver.Server{Handler: h, Logger: log, Name: cfg.ServerName}, ln: ln, served: make(chan error, 1)}
	log.Info("metrics listening", "addr", ln.Addr().String(), "path", path)
	go func() { ml.served <- ml.srv.Serve(ln) }()
	return ml, nil
}

// stop shuts the metrics listener down, gracefully for a short while. It
// is a no-op on nil.
func (ml *metricsListener) stop(log *slog.Logger) {
	if ml == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), metricsStopGrace)
	defer cancel()
	if err := ml.srv.Shutdown(ctx); err != nil {
		ml.srv.Close()
	}
	if err := <-ml.served; err != nil && !errors.Is(err, httpserver.ErrServerClosed) {
		log.Warn("metrics listener failed", "err", err)
	}
}

// listener returns the metrics listener, or nil on nil.
func (ml *metricsListener) listener() net.Listener {
	if ml == nil {
		return nil
	}
	return ml.ln
}
