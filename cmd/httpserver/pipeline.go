package main

import (
	"log/slog"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/internal/demo"
	"github.com/rawsock/httpserver/middleware"
)

// wrapPipeline puts h behind the middleware pipeline p built from cfg
// (see [config.Config.Pipeline]): request IDs, the access log, metrics,
// recovery, CORS, rate limiting and compression. The health endpoints take
// a shorter pipeline, without rate limiting and compression (see
// [config.Config.ProbeMiddleware]). The caller closes p after the
// shutdown, to write the access log records still queued.
func wrapPipeline(cfg *config.Config, p *middleware.Pipeline, h httpserver.Handler, log *slog.Logger) (httpserver.Handler, error) {
	probe, err := cfg.ProbeMiddleware(p, log)
	if err != nil {
		return nil, err
	}
	return splitProbes(probe(h), p.Wrap(h)), nil
}

// splitProbes sends the health endpoints' requests to probes and all
// others to rest.
func splitProbes(probes, rest httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		if demo.IsProbe(r.Path) {
			probes.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
}

// observeServer lets the metrics report the server's connections and load.
func observeServer(p *middleware.Pipeline, srv *httpserver.Server) {
	if p.Metrics != nil {
		p.Metrics.SetServer(srv)
	}
}
