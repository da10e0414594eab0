package demo

import (
	"math"
	"time"

	"github.com/rawsock/httpserver"
)

// healthReport is the body of /health.
type healthReport struct {
	Status        string  `json:"status"`
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	Uptime        string  `json:"uptime"`
}

// health answers GET and HEAD /health, the liveness check, with the server's status: 200 "ok",
// or 503 "shutting_down" once a graceful shutdown has begun, so that load
// balancers stop sending traffic.
func (h *handler) health(w httpserver.ResponseWriter, r *httpserver.Request) {
	if allowOnlyGetHead(w, r) {
		return
	}
	up := max(h.opts.Now().Sub(h.opts.Start), 0)
	rep := healthReport{
		Status:        "ok",
		Version:       h.opts.Version,
		UptimeSeconds: math.Round(up.Seconds()*1000) / 1000,
		Uptime:        up.Truncate(time.Second).String(),
	}
	status := httpserver.StatusOK
	if h.opts.ShuttingDown != nil && h.opts.ShuttingDown() {
		rep.Status = "shutting_down"
		status = httpserver.StatusServiceUnavailable
	}
	writeJSON(w, status, rep)
}

// readyReport is the body of /health/ready.
type readyReport struct {
	Status string `json:"status"`
}

// ready answers GET and HEAD /health/ready, the readiness check: 200
// "ready" while serving, 503 "draining" from the moment the shutdown
// begins (the --shutdown-delay window included), so that a load balancer
// stops routing new requests here while those in flight finish.
func (h *handler) ready(w httpserver.ResponseWriter, r *httpserver.Request) {
	if allowOnlyGetHead(w, r) {
		return
	}
	if h.opts.ShuttingDown != nil && h.opts.ShuttingDown() {
		writeJSON(w, httpserver.StatusServiceUnavailable, readyReport{Status: "draining"})
		return
	}
	writeJSON(w, httpserver.StatusOK, readyReport{Status: "ready"})
}

// IsProbe reports whether path is one of the health endpoints, /health
// and /health/ready, which the binary serves outside the rate limiter and
// compression.
func IsProbe(path string) bool { return path == "/health" || path == "/health/ready" }
