package config

import (
	"io"
	"log/slog"
	"time"

	"github.com/rawsock/httpserver"
)

// Timeouts returns the server timeouts; a zero duration in c, meaning no
// timeout, becomes a negative one in the result, as [httpserver.Timeouts]
// expects.
func (c *Config) Timeouts() httpserver.Timeouts {
	off := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	return httpserver.Timeouts{
		ReadHeader: off(c.ReadHeaderTimeout),
		Read:       off(c.ReadTimeout),
		Write:      off(c.WriteTimeout),
		Response:   off(c.ResponseTimeout),
		Idle:       off(c.IdleTimeout),
	}
}

// Limits returns the server limits; MaxConns zero, meaning no cap, becomes
// negative in the result, as [httpserver.Limits] expects.
func (c *Config) Limits() httpserver.Limits {
	l := httpserver.Limits{
		MaxHeaderBytes: clampInt(c.MaxHeaderBytes),
		MaxBodyBytes:   c.MaxBodyBytes,
		MaxConns:       c.MaxConns,
	}
	if l.MaxConns == 0 {
		l.MaxConns = -1
	}
	return l
}

// Apply sets the address, timeouts, limits, name, engine (with its
// serving in place) and HTTP/2 options of s from c.
func (c *Config) Apply(s *httpserver.Server) {
	s.Addr = c.Addr
	s.Timeouts = c.Timeouts()
	s.Limits = c.Limits()
	s.Name = c.ServerName
	s.Engine = c.Engine
	s.Pool.AlwaysHandOff = c.EpollHandOff
	s.HTTP2.H2C = c.H2C
}

// NewLogger returns a logger writing to w in the configured format, at the
// configured level.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func clampInt(n int64) int {
	if n > int64(maxInt) {
		return maxInt
	}
	return int(n)
}

const maxInt = int(^uint(0) >> 1)
