package httpserver

import (
	"runtime"
	"time"
)

// Timeouts bound how long the server waits on a client. A zero field takes
// its default from [DefaultTimeouts]; a negative one disables the timeout.
type Timeouts struct {
	// ReadHeader bounds reading a request's header block, from its first
	// byte (slowloris protection). Expiry answers 408 and closes.
	ReadHeader time.Duration
	// Read bounds reading a whole request, header and body, from its first
	// byte.
	Read time.Duration
	// Write is a progress timeout on sending a response, like nginx's
	// send_timeout: a response to which the client's socket takes no
	// byte for this long is aborted (see [ResponseAbortedError]); a
	// client that keeps reading is not cut, however long the response
	// lasts. The cut comes between Write and twice Write after the socket
	// last took a byte. The socket takes bytes as its kernel buffer
	// drains, in bursts, so Write must exceed the gaps of the slowest
	// client to be served.
	Write time.Duration
	// Response, when set, caps the whole response: it must be sent within
	// this long from the end of the request header, progress or not.
	// Default none: zero and negative values both mean no cap.
	Response time.Duration
	// Idle bounds the wait for the next request on a keep-alive connection.
	Idle time.Duration
}

// DefaultTimeouts are the timeouts used for zero fields of [Timeouts].
var DefaultTimeouts = Timeouts{
	ReadHeader: 10 * time.Second,
	Read:       60 * time.Second,
	Write:      60 * time.Second,
	Idle:       120 * time.Second,
}

// Limits bound what a client may send and how many may connect. A zero
// field takes its default from [DefaultLimits]; a negative MaxConns means no
// cap.
type Limits struct {
	// MaxRequestLineBytes caps the request line; longer answers 414.
	MaxRequestLineBytes int
	// MaxHeaderBytes caps the header block (request line included);
	// larger answers 431.
	MaxHeaderBytes int
	// MaxHeaderCount caps the number of header fields; more answers 431.
	MaxHeaderCount int
	// MaxBodyBytes caps a request body; larger answers 413.
	MaxBodyBytes int64
	// MaxConns caps concurrent connections; connections beyond it are
	// answered 503 with Retry-After and closed.
	MaxConns int
	// MaxDiscardBytes is how much of a request body the server reads and
	// throws away, when the handler did not read it, to keep the
	// connection; with more left it closes the connection instead.
	MaxDiscardBytes int64
}

// DefaultLimits are the limits used for zero fields of [Limits].
var DefaultLimits = Limits{
	MaxRequestLineBytes: 8 << 10,
	MaxHeaderBytes:      64 << 10,
	MaxHeaderCount:      100,
	MaxBodyBytes:        10 << 20,
	MaxConns:            10000,
	MaxDiscardBytes:     256 << 10,
}

func (t Timeouts) withDefaults() Timeouts {
	pick := func(v, d time.Duration) time.Duration {
		switch {
		case v == 0:
			return d
		case v < 0:
			return 0
		}
		return v
	}
	return Timeouts{
		ReadHeader: pick(t.ReadHeader, DefaultTimeouts.ReadHeader),
		Read:       pick(t.Read, DefaultTimeouts.Read),
		Write:      pick(t.Write, DefaultTimeouts.Write),
		Idle:       pick(t.Idle, DefaultTimeouts.Idle),
		Response:   pick(t.Response, DefaultTimeouts.Response),
	}
}

func (l Limits) withDefaults() Limits {
	pick := func(v, d int) int {
		if v == 0 {
			return d
		}
		return v
	}
	out := Limits{
		MaxRequestLineBytes: pick(l.MaxRequestLineBytes, DefaultLimits.MaxRequestLineBytes),
		MaxHeaderBytes:      pick(l.MaxHeaderBytes, DefaultLimits.MaxHeaderBytes),
		MaxHeaderCount:      pick(l.MaxHeaderCount, DefaultLimits.MaxHeaderCount),
		MaxConns:            pick(l.MaxConns, DefaultLimits.MaxConns),
		MaxBodyBytes:        l.MaxBodyBytes,
		MaxDiscardBytes:     l.MaxDiscardBytes,
	}
	if out.MaxBodyBytes == 0 {
		out.MaxBodyBytes = DefaultLimits.MaxBodyBytes
	}
	if out.MaxDiscardBytes == 0 {
		out.MaxDiscardBytes = DefaultLimits.MaxDiscardBytes
	}
	if out.MaxRequestLineBytes > out.MaxHeaderBytes {
		out.MaxRequestLineBytes = out.MaxHeaderBytes
	}
	return out
}

// PoolOptions size the worker pool of the pool and epoll engines. Zero
// fields take defaults (see [PoolOptions.withDefaults]).
type PoolOptions struct {
	// MinWorkers is how many workers are kept even when idle; default
	// GOMAXPROCS.
	MinWorkers int
	// MaxWorkers bounds the workers. With EnginePool each open connection
	// holds a worker, so this bounds the connections being served; with
	// EngineEpoll it bounds the requests being handled at once. Default
	// Limits.MaxConns (10000 when that is unlimited).
	MaxWorkers int
	// QueueSize is how many connections (pool) or ready requests (epoll)
	// may wait for a worker; default 1024.
	QueueSize int
	// IdleTimeout is how long a worker beyond MinWorkers waits for work
	// before it exits; default 10s.
	IdleTimeout time.Duration
	// BlockWhenFull makes the pool engine stop accepting while the pool
	// and its queue are full, leaving new connections in the kernel's
	// listen backlog, instead of answering them 503 with Retry-After.
	BlockWhenFull bool
}

// DefaultPoolQueueSize and DefaultPoolIdleTimeout are the defaults of
// PoolOptions.QueueSize and PoolOptions.IdleTimeout.
const (
	DefaultPoolQueueSize   = 1024
	DefaultPoolIdleTimeout = 10 * time.Second
)

// withDefaults fills zero fields; maxConns is the connection limit in
// force (negative: none).
func (o PoolOptions) withDefaults(maxConns int) PoolOptions {
	if o.MinWorkers <= 0 {
		o.MinWorkers = runtime.GOMAXPROCS(0)
	}
	if o.MaxWorkers <= 0 {
		o.MaxWorkers = maxConns
		if o.MaxWorkers <= 0 {
			o.MaxWorkers = 10000
		}
	}
	o.MinWorkers = min(o.MinWorkers, o.MaxWorkers)
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultPoolQueueSize
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultPoolIdleTimeout
	}
	return o
}
