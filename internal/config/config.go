package config

import (
	"log/slog"
	"time"

	"github.com/rawsock/httpserver"
)

// Config is the complete configuration of the httpserver binary. Its
// durations and sizes hold effective values: defaults are filled in by
// [Default] and [Load].
type Config struct {
	// Addr is the TCP address to listen on, e.g. ":8080" or "127.0.0.1:0".
	Addr string
	// File is the YAML file the configuration was read from, if any.
	File string

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout, ResponseTimeout and
	// IdleTimeout map onto [httpserver.Timeouts]; zero disables the
	// timeout. WriteTimeout is a progress timeout (no byte taken by the
	// client for that long); ResponseTimeout caps a whole response and is
	// off by default.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	ResponseTimeout   time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout is the grace period given to in-flight requests
	// after SIGTERM or SIGINT; zero waits without limit.
	ShutdownTimeout time.Duration
	// FileCache is how long the static file handlers (root and mounts)
	// serve a file from their open-file cache before checking it again;
	// zero turns the cache off.
	FileCache time.Duration
	// ShutdownDelay is how long the server keeps accepting and serving
	// after SIGTERM or SIGINT, with /health answering 503, before the
	// graceful shutdown starts: time for a load balancer to see the
	// failing health check and stop sending traffic. Zero starts the
	// shutdown at once.
	ShutdownDelay time.Duration

	// MaxHeaderBytes caps a request's header block, in bytes.
	MaxHeaderBytes int64
	// MaxBodyBytes caps a request body, in bytes.
	MaxBodyBytes int64
	// MaxConns caps concurrent connections; zero means no cap.
	MaxConns int
	// Engine is how connections are run (see [httpserver.Engine]); empty
	// means the server's default.
	Engine httpserver.Engine
	// H2C serves HTTP/2 over cleartext to clients with prior knowledge
	// (see [httpserver.HTTP2Options]); on by default in the binary.
	H2C bool
	// EpollHandOff, with the epoll engine, hands every request to a
	// worker instead of serving it on the event loop that read it
	// ([httpserver.PoolOptions.AlwaysHandOff]). Setting it with another
	// engine is an error at start-up.
	EpollHandOff bool

	// LogLevel is the minimum level logged.
	LogLevel slog.Level
	// LogFormat is "json" or "text".
	LogFormat string
	// ServerName, when not empty, is sent as the Server header field.
	ServerName string

	// Demo enables the welcome page at / and the /api/echo endpoint. It
	// is on by default, but off when Root is set unless set explicitly.
	Demo bool
	// Root, when not empty, is a directory served at /, replacing the
	// welcome page.
	Root string
	// Static lists directories served under URL prefixes (YAML only).
	Static []Mount

	// Middleware configures the request pipeline (see middleware.go).
	Middleware Middleware

	// Workers, when 2 or more, makes the binary a supervisor that serves
	// nothing itself and runs that many worker processes sharing the port
	// with SO_REUSEPORT; 0 and 1 serve from the one process.
	Workers int
	// UpgradeTimeout bounds how long a process handing its listeners to
	// a new one (SIGUSR2) waits for it to become ready before keeping
	// them and serving on.
	UpgradeTimeout time.Duration

	// TLSCert and TLSKey name a certificate (PEM, with its chain) and its
	// key: with them the binary serves HTTPS on Addr. TLSCertificates
	// lists more pairs (YAML only); each client gets the one matching the
	// server name it sends (SNI), or TLSCert's, else the first, when none
	// matches. The files are read again when they change and on SIGHUP.
	TLSCert, TLSKey string
	TLSCertificates []CertFiles
	// TLSSelfSigned serves HTTPS with an in-memory self-signed
	// certificate for localhost, 127.0.0.1 and ::1, for development.
	TLSSelfSigned bool
	// RedirectAddr, with TLS on, is a plain HTTP address answering 308 to
	// the https:// URL of each request, except /health and /health/ready,
	// which it serves.
	RedirectAddr string

	// Version asks the binary to print its version and exit.
	Version bool
	// CheckConfig asks the binary to validate the configuration, print
	// the effective configuration and exit.
	CheckConfig bool
}

// Mount serves the directory Dir under the URL path Prefix.
type Mount struct {
	// Prefix is a clean absolute URL path without a trailing slash,
	// e.g. "/assets". It is stripped before the file handler sees the
	// request.
	Prefix string
	// Dir is the directory served.
	Dir string
	// CacheControl, when not empty, is sent as the Cache-Control field.
	CacheControl string
	// Listing enables directory listings.
	Listing bool
}

// Default returns the configuration used when nothing is set: the limits
// and timeouts of [httpserver.DefaultTimeouts] and [httpserver.DefaultLimits].
func Default() Config {
	t, l := httpserver.DefaultTimeouts(), httpserver.DefaultLimits()
	return Config{
		Addr:              ":8080",
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		ResponseTimeout:   t.Response,
		IdleTimeout:       t.Idle,
		ShutdownTimeout:   15 * time.Second,
		FileCache:         time.Second,
		MaxHeaderBytes:    int64(l.MaxHeaderBytes),
		MaxBodyBytes:      l.MaxBodyBytes,
		MaxConns:          l.MaxConns,
		LogLevel:          slog.LevelInfo,
		LogFormat:         "json",
		Demo:              true,
		H2C:               true,
		UpgradeTimeout:    30 * time.Second,
	}
}
