package config

import (
	"io"
	"log/slog"
	"reflect"
)

// KeepRestartOnly gives c the old value of every setting that a running
// server cannot change (a reload on SIGHUP reads the whole configuration
// anew) and returns the names of those whose new value it dropped: flag
// names, or the YAML key of a setting that has no flag. The listening
// address, engine (and epoll-hand-off), h2c, timeouts, limits and Server
// field are fixed when the server starts serving; the log format and the
// metrics listener live as long as the process; the number of workers is
// the supervisor's.
func (c *Config) KeepRestartOnly(old *Config) []string {
	var kept []string
	keep := func(name string, changed bool, restore func()) {
		if changed {
			kept = append(kept, name)
			restore()
		}
	}
	keep("addr", c.Addr != old.Addr, func() { c.Addr = old.Addr })
	keep("engine", c.Engine != old.Engine, func() { c.Engine = old.Engine })
	keep("epoll-hand-off", c.EpollHandOff != old.EpollHandOff, func() { c.EpollHandOff = old.EpollHandOff })
	keep("h2c", c.H2C != old.H2C, func() { c.H2C = old.H2C })
	keep("read-header-timeout", c.ReadHeaderTimeout != old.ReadHeaderTimeout, func() { c.ReadHeaderTimeout = old.ReadHeaderTimeout })
	keep("read-timeout", c.ReadTimeout != old.ReadTimeout, func() { c.ReadTimeout = old.ReadTimeout })
	keep("write-timeout", c.WriteTimeout != old.WriteTimeout, func() { c.WriteTimeout = old.WriteTimeout })
	keep("idle-timeout", c.IdleTimeout != old.IdleTimeout, func() { c.IdleTimeout = old.IdleTimeout })
	keep("response-timeout", c.ResponseTimeout != old.ResponseTimeout, func() { c.ResponseTimeout = old.ResponseTimeout })
	keep("max-header-bytes", c.MaxHeaderBytes != old.MaxHeaderBytes, func() { c.MaxHeaderBytes = old.MaxHeaderBytes })
	keep("max-body-bytes", c.MaxBodyBytes != old.MaxBodyBytes, func() { c.MaxBodyBytes = old.MaxBodyBytes })
	keep("max-conns", c.MaxConns != old.MaxConns, func() { c.MaxConns = old.MaxConns })
	keep("server-name", c.ServerName != old.ServerName, func() { c.ServerName = old.ServerName })
	keep("log-format", c.LogFormat != old.LogFormat, func() { c.LogFormat = old.LogFormat })
	keep("workers", c.Workers != old.Workers, func() { c.Workers = old.Workers })
	// Certificate files are read again on reload; turning TLS on or off,
	// or changing the self-signed mode or the redirect listener, needs a
	// restart.
	keep("tls-self-signed", c.TLSSelfSigned != old.TLSSelfSigned, func() { c.TLSSelfSigned = old.TLSSelfSigned })
	keep("tls-cert", c.TLS() != old.TLS(), func() {
		c.TLSCert, c.TLSKey, c.TLSCertificates = old.TLSCert, old.TLSKey, old.TLSCertificates
	})
	keep("redirect-addr", c.RedirectAddr != old.RedirectAddr, func() { c.RedirectAddr = old.RedirectAddr })
	m, om := &c.Middleware, &old.Middleware
	keep("middleware.metrics", m.NoMetrics != om.NoMetrics, func() { m.NoMetrics = om.NoMetrics })
	keep("metrics-addr", m.MetricsAddr != om.MetricsAddr, func() { m.MetricsAddr = om.MetricsAddr })
	// The metrics listener answers on the path it started with.
	keep("metrics-path", om.MetricsAddr != "" && m.MetricsPath != om.MetricsPath, func() { m.MetricsPath = om.MetricsPath })
	return kept
}

// SamePipeline reports whether c and old configure the same middleware
// pipeline, which a reload can then keep (with its metrics and access
// log) instead of building anew.
func (c *Config) SamePipeline(old *Config) bool {
	return reflect.DeepEqual(c.Middleware, old.Middleware)
}

// NewLeveledLogger is [Config.NewLogger] with the level taken from level,
// which a reload can change.
func (c *Config) NewLeveledLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
