package main

import (
	"io"
	"log/slog"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/internal/demo"
	"github.com/rawsock/httpserver/middleware"
)

// withPipeline puts h behind the middleware pipeline configured by cfg:
// request IDs, the JSON access log on stdout, metrics, recovery, CORS, rate
// limiting and compression. The health endpoints take a shorter pipeline,
// without rate limiting and compression (see [config.Config.ProbeMiddleware]).
// Close the pipeline after the shutdown, to write the access log records
// still queued.
func withPipeline(cfg *config.Config, h httpserver.Handler, stdout io.Writer, log *slog.Logger) (httpserver.Handler, *middleware.Pipeline, error) {
	p, err := cfg.Pipeline(stdout, log)
	if err != nil {
		return nil, nil, err
	}
	wrapped, err := wrapPipeline(cfg, p, h, log)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return wrapped, p, nil
}

// wrapPipeline puts h behind the pipeline p built from cfg, with the
// shorter pipeline for the health endpoints.
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
