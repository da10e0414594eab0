package httpserver

import (
	"fmt"
	"math"
	"runtime"
	"time"
)

// The settings structs ([Timeouts], [Limits], [PoolOptions]) share one
// rule for values that are not positive:
//
//   - zero takes the field's default;
//   - negative turns the bound off where an unbounded value makes sense
//     (every timeout, Limits.MaxConns, Limits.MaxBodyBytes);
//   - negative anywhere else is a mistake: Serve returns an error naming
//     the field, e.g. "httpserver: Limits.MaxHeaderBytes is -1: ...".

// Timeouts bound how long the server waits on a client. A zero field takes
// its default (see [DefaultTimeouts]); a negative one disables the timeout.
type Timeouts struct {
	// ReadHeader bounds reading a request's header block, from its first
	// byte (slowloris protection). Expiry answers 408 and closes. It also
	// bounds the wait for the first request of a connection.
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
	// Default none, so zero and negative values both mean no cap.
	Response time.Duration
	// Idle bounds the wait for the next request on a keep-alive connection.
	Idle time.Duration
}

// DefaultTimeouts returns the timeouts used for zero fields of [Timeouts]:
// ReadHeader 10s, Read 60s, Write 60s, Idle 120s, and no Response cap.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		ReadHeader: 10 * time.Second,
		Read:       60 * time.Second,
		Write:      60 * time.Second,
		Idle:       120 * time.Second,
	}
}

// Limits bound what a client may send and how many may connect. A zero
// field takes its default (see [DefaultLimits]). A negative MaxConns or
// MaxBodyBytes removes that cap; a negative value in any other field makes
// Serve fail with an error naming it.
type Limits struct {
	// MaxRequestLineBytes caps the request line; longer answers 414. It
	// is at most MaxHeaderBytes.
	MaxRequestLineBytes int
	// MaxHeaderBytes caps the header block (request line included);
	// larger answers 431.
	MaxHeaderBytes int
	// MaxHeaderCount caps the number of header fields; more answers 431.
	MaxHeaderCount int
	// MaxBodyBytes caps a request body; larger answers 413. Negative: no
	// cap.
	MaxBodyBytes int64
	// MaxConns caps concurrent connections; connections beyond it are
	// answered 503 with Retry-After and closed. Negative: no cap.
	MaxConns int
	// MaxDiscardBytes is how much of a request body the server reads and
	// throws away, when the handler did not read it, to keep the
	// connection; with more left it closes the connection instead.
	MaxDiscardBytes int64
}

// DefaultLimits returns the limits used for zero fields of [Limits]:
// MaxRequestLineBytes 8 KiB, MaxHeaderBytes 64 KiB, MaxHeaderCount 100,
// MaxBodyBytes 10 MiB, MaxConns 10000, MaxDiscardBytes 256 KiB.
func DefaultLimits() Limits {
	return Limits{
		MaxRequestLineBytes: 8 << 10,
		MaxHeaderBytes:      64 << 10,
		MaxHeaderCount:      100,
		MaxBodyBytes:        10 << 20,
		MaxConns:            10000,
		MaxDiscardBytes:     256 << 10,
	}
}

// settingError is a negative value where the settings rule gives it no
// meaning; it names the field.
type settingError struct {
	field string
	value int64
}

func (e *settingError) Error() string {
	return fmt.Sprintf("httpserver: %s is %d: want 0 (the default) or a positive value", e.field, e.value)
}

func (e *settingError) Unwrap() error { return ErrInvalidSetting }

// checkNotNegative returns a settingError for the first negative field.
func checkNotNegative(fields ...namedSetting) error {
	for _, f := range fields {
		if f.value < 0 {
			return &settingError{f.name, f.value}
		}
	}
	return nil
}

type namedSetting struct {
	name  string
	value int64
}

// withDefaults applies the settings rule: a zero field takes its default,
// a negative one disables the timeout (0 in the result).
func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	pick := func(v, def time.Duration) time.Duration {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	return Timeouts{
		ReadHeader: pick(t.ReadHeader, d.ReadHeader),
		Read:       pick(t.Read, d.Read),
		Write:      pick(t.Write, d.Write),
		Response:   pick(t.Response, d.Response),
		Idle:       pick(t.Idle, d.Idle),
	}
}

// withDefaults applies the settings rule: a zero field takes its default;
// a negative MaxConns stays negative (no cap) and a negative MaxBodyBytes
// becomes the largest int64 (no cap); a negative value elsewhere is an
// error naming the field.
func (l Limits) withDefaults() (Limits, error) {
	d := DefaultLimits()
	if err := checkNotNegative(
		namedSetting{"Limits.MaxRequestLineBytes", int64(l.MaxRequestLineBytes)},
		namedSetting{"Limits.MaxHeaderBytes", int64(l.MaxHeaderBytes)},
		namedSetting{"Limits.MaxHeaderCount", int64(l.MaxHeaderCount)},
		namedSetting{"Limits.MaxDiscardBytes", l.MaxDiscardBytes},
	); err != nil {
		return Limits{}, err
	}
	out := l
	if out.MaxRequestLineBytes == 0 {
		out.MaxRequestLineBytes = d.MaxRequestLineBytes
	}
	if out.MaxHeaderBytes == 0 {
		out.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if out.MaxHeaderCount == 0 {
		out.MaxHeaderCount = d.MaxHeaderCount
	}
	if out.MaxDiscardBytes == 0 {
		out.MaxDiscardBytes = d.MaxDiscardBytes
	}
	if out.MaxConns == 0 {
		out.MaxConns = d.MaxConns
	}
	switch {
	case out.MaxBodyBytes == 0:
		out.MaxBodyBytes = d.MaxBodyBytes
	case out.MaxBodyBytes < 0:
		out.MaxBodyBytes = math.MaxInt64
	}
	out.MaxRequestLineBytes = min(out.MaxRequestLineBytes, out.MaxHeaderBytes)
	return out, nil
}

// PoolOptions size the worker pool of the pool and epoll engines. A zero
// field takes its default; a negative one makes Serve fail with an error
// naming it.
type PoolOptions struct {
	// MinWorkers is how many workers are kept even when idle; default
	// GOMAXPROCS. It is at most MaxWorkers.
	MinWorkers int
	// MaxWorkers bounds the workers. With EnginePool each open connection
	// holds a worker, so this bounds the connections being served; with
	// EngineEpoll it bounds the requests being handled at once. Default
	// Limits.MaxConns (10000 when that is unlimited).
	MaxWorkers int
	// QueueSize is how many connections (pool) or ready requests (epoll)
	// may wait for a worker; default [DefaultPoolQueueSize].
	QueueSize int
	// IdleTimeout is how long a worker beyond MinWorkers waits for work
	// before it exits; default [DefaultPoolIdleTimeout].
	IdleTimeout time.Duration
	// BlockWhenFull makes the pool engine stop accepting while the pool
	// and its queue are full, leaving new connections in the kernel's
	// listen backlog, instead of answering them 503 with Retry-After.
	BlockWhenFull bool
	// AlwaysHandOff makes EngineEpoll hand every request to a worker.
	// By default an event loop that finds a complete request head serves
	// it itself, saving the hand-off, and passes its role to a new
	// goroutine as soon as the handler waits on the connection or has
	// run for about a millisecond, so that the loop's other connections
	// wait no longer than that (docs/architecture.md).
	AlwaysHandOff bool
}

// DefaultPoolQueueSize and DefaultPoolIdleTimeout are the defaults of
// PoolOptions.QueueSize and PoolOptions.IdleTimeout.
const (
	DefaultPoolQueueSize   = 1024
	DefaultPoolIdleTimeout = 10 * time.Second
)

// withDefaults applies the settings rule; maxConns is the connection limit
// in force (negative: none).
func (o PoolOptions) withDefaults(maxConns int) (PoolOptions, error) {
	if err := checkNotNegative(
		namedSetting{"PoolOptions.MinWorkers", int64(o.MinWorkers)},
		namedSetting{"PoolOptions.MaxWorkers", int64(o.MaxWorkers)},
		namedSetting{"PoolOptions.QueueSize", int64(o.QueueSize)},
		namedSetting{"PoolOptions.IdleTimeout", int64(o.IdleTimeout)},
	); err != nil {
		return PoolOptions{}, err
	}
	if o.MinWorkers == 0 {
		o.MinWorkers = runtime.GOMAXPROCS(0)
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = maxConns
		if o.MaxWorkers <= 0 {
			o.MaxWorkers = 10000
		}
	}
	o.MinWorkers = min(o.MinWorkers, o.MaxWorkers)
	if o.QueueSize == 0 {
		o.QueueSize = DefaultPoolQueueSize
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultPoolIdleTimeout
	}
	return o, nil
}

// HTTP2Options configure HTTP/2 (RFC 9113). A zero field takes its
// default; a negative MaxConcurrentStreams makes Serve fail with an error
// naming it.
type HTTP2Options struct {
	// H2C serves HTTP/2 over cleartext TCP to clients with prior
	// knowledge (RFC 9113 §3.3): a connection that opens with the client
	// preface is served as HTTP/2. Off by default, as in most servers
	// (net/http, nginx, Caddy): without it the preface is answered 505.
	// The upgrade from HTTP/1.1 ("Upgrade: h2c", RFC 7540 §3.2, removed
	// by RFC 9113) is not offered.
	H2C bool
	// MaxConcurrentStreams is the number of streams a client may have
	// open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS,
	// RFC 9113 §6.5.2); more are refused. Default 100.
	MaxConcurrentStreams int
	// NoExtendedConnect stops the server announcing
	// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3), which it does by
	// default: clients may then not send extended CONNECT requests
	// (WebSocket over HTTP/2, [Request.Protocol]); a :protocol field is
	// a malformed request (stream error PROTOCOL_ERROR), and browsers
	// open their WebSockets over HTTP/1.1 connections instead.
	NoExtendedConnect bool
}

// withDefaults applies the settings rule.
func (o HTTP2Options) withDefaults() (HTTP2Options, error) {
	if err := checkNotNegative(
		namedSetting{"HTTP2.MaxConcurrentStreams", int64(o.MaxConcurrentStreams)},
	); err != nil {
		return HTTP2Options{}, err
	}
	if o.MaxConcurrentStreams == 0 {
		o.MaxConcurrentStreams = 100
	}
	o.MaxConcurrentStreams = min(o.MaxConcurrentStreams, math.MaxUint32)
	return o, nil
}
