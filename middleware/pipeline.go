package middleware

import (
	"log/slog"

	"github.com/rawsock/httpserver"
)

// PipelineOptions configures [NewPipeline]. The zero value gives the
// default pipeline: request IDs, a JSON access log on stdout, panic
// recovery, compression and metrics at /metrics. CORS, rate limiting and
// security headers are off until configured.
type PipelineOptions struct {
	// Logger receives panic reports; slog.Default() if nil.
	Logger *slog.Logger
	// RequestID configures request IDs (always on).
	RequestID RequestIDOptions
	// AccessLog configures the access log; DisableAccessLog turns it off.
	// Its TrustedProxies default to RateLimit's.
	AccessLog        AccessLogOptions
	DisableAccessLog bool
	// Metrics configures metrics; Path defaults to "/metrics".
	// DisableMetrics turns them off.
	Metrics        MetricsOptions
	DisableMetrics bool
	// Compress configures compression; DisableCompress turns it off.
	Compress        CompressOptions
	DisableCompress bool
	// CORS, when not nil, enables CORS.
	CORS *CORSOptions
	// RateLimit, when not nil, enables rate limiting.
	RateLimit *RateLimitOptions
	// Security, when not nil, enables the security header fields.
	Security *SecurityHeadersOptions
}

// Pipeline is the standard middleware stack, in this order (outermost
// first): RequestID, AccessLog, Metrics, Recover, SecurityHeaders, CORS,
// RateLimit, Compress. CORS comes before the rate limiter so that 429
// answers carry CORS fields and browsers let scripts see them; compression
// is innermost so that everything outside counts the bytes actually sent.
type Pipeline struct {
	// AccessLog is the access log, or nil when disabled.
	AccessLog *AccessLog
	// Metrics is the metrics set, or nil when disabled; call
	// Metrics.SetServer to report open connections and the server's load
	// (SetServer and Listener are no-ops on the nil set, so the call
	// needs no check).
	Metrics *Metrics
	// RateLimiter is the limiter, or nil when disabled.
	RateLimiter *RateLimiter

	mw httpserver.Middleware
}

// NewPipeline builds the standard pipeline. It fails on an invalid CORS
// configuration. Call Close at shutdown to flush the access log.
func NewPipeline(o PipelineOptions) (*Pipeline, error) {
	p := &Pipeline{}
	mws := []httpserver.Middleware{RequestID(o.RequestID)}
	if !o.DisableAccessLog {
		ao := o.AccessLog
		if ao.TrustedProxies == nil && o.RateLimit != nil {
			// The limiter knows which peers' forwarding fields to believe:
			// log the client it limits, not the proxy.
			ao.TrustedProxies = o.RateLimit.TrustedProxies
		}
		p.AccessLog = NewAccessLog(ao)
		mws = append(mws, p.AccessLog.Middleware)
	}
	if !o.DisableMetrics {
		mo := o.Metrics
		if mo.Path == "" {
			mo.Path = "/metrics"
		}
		p.Metrics = NewMetrics(mo)
		mws = append(mws, p.Metrics.Middleware)
	}
	mws = append(mws, Recover(RecoverOptions{Logger: o.Logger}))
	if o.Security != nil {
		mws = append(mws, SecurityHeaders(*o.Security))
	}
	if o.CORS != nil {
		cors, err := CORS(*o.CORS)
		if err != nil {
			if p.AccessLog != nil {
				p.AccessLog.Close()
			}
			return nil, err
		}
		mws = append(mws, cors)
	}
	if o.RateLimit != nil {
		p.RateLimiter = NewRateLimiter(*o.RateLimit)
		mws = append(mws, p.RateLimiter.Middleware)
	}
	if !o.DisableCompress {
		mws = append(mws, Compress(o.Compress))
	}
	p.mw = httpserver.Chain(mws...)
	return p, nil
}

// Wrap returns h behind the pipeline.
func (p *Pipeline) Wrap(h httpserver.Handler) httpserver.Handler { return p.mw(h) }

// Middleware returns the pipeline as one middleware.
func (p *Pipeline) Middleware() httpserver.Middleware { return p.mw }

// Reopen reopens the access log's file, for log rotation (see
// [LogFile]); it does nothing when the access log is off or writes
// elsewhere.
func (p *Pipeline) Reopen() error { return p.AccessLog.Reopen() }

// Close flushes and stops the access log (closing its File, if any).
func (p *Pipeline) Close() error {
	if p.AccessLog != nil {
		return p.AccessLog.Close()
	}
	return nil
}
