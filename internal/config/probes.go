package config

import (
	"log/slog"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/middleware"
)

// ProbeMiddleware returns the pipeline of the health endpoints (/health,
// /health/ready): the request IDs, access log and metrics of p, so that
// probes are logged by the same policy (quiet unless they fail) and
// counted under their own routes, then panic recovery and CORS when
// configured. It leaves out the rate limiter, so that a load balancer
// polling from one address is never refused and uses up no client's
// tokens, and compression.
func (c *Config) ProbeMiddleware(p *middleware.Pipeline, log *slog.Logger) (httpserver.Middleware, error) {
	mws := []httpserver.Middleware{middleware.RequestID(middleware.RequestIDOptions{})}
	if p.AccessLog != nil {
		mws = append(mws, p.AccessLog.Middleware)
	}
	if p.Metrics != nil {
		mws = append(mws, p.Metrics.Middleware)
	}
	mws = append(mws, middleware.Recover(middleware.RecoverOptions{Logger: log}))
	if len(c.Middleware.CORSOrigins) > 0 {
		cors, err := middleware.CORS(c.Middleware.corsOptions())
		if err != nil {
			return nil, err
		}
		mws = append(mws, cors)
	}
	return httpserver.Chain(mws...), nil
}
