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

// health answers GET and HEAD /health with the server's status: 200 "ok",
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
