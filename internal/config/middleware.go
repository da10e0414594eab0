package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rawsock/httpserver/middleware"
)

// Middleware configures the request pipeline of the binary: request IDs
// and recovery (always on), the access log, metrics and compression (on by
// default), CORS and rate limiting (off until configured). It is set by
// the "middleware:" YAML section and by the --access-log,
// --access-log-format, --access-log-file, --metrics-path, --metrics-addr,
// --cors-origins, --rate-limit and --rate-burst flags. The zero value is
// the default pipeline.
type Middleware struct {
	// NoAccessLog turns off the access log (one JSON line per request on
	// stdout).
	NoAccessLog bool
	// AccessLogQuiet lists paths logged only when they fail; nil means
	// "/health" and "/health/ready".
	AccessLogQuiet []string
	// AccessLogFormat is json (the default, also "") or combined (the
	// Apache/nginx combined log format).
	AccessLogFormat middleware.AccessLogFormat
	// AccessLogFile, when set, is the file the access log is appended
	// to instead of stdout; the binary reopens it on SIGUSR1.
	AccessLogFile string
	// NoCompress turns off compressed (zstd, gzip, deflate) responses.
	NoCompress bool
	// NoMetrics turns off metrics.
	NoMetrics bool
	// MetricsPath answers Prometheus metrics; "/metrics" if empty.
	MetricsPath string
	// MetricsAddr, when set, is a separate TCP address that serves the
	// metrics at MetricsPath, which the main address then no longer
	// answers.
	MetricsAddr string
	// CORSOrigins enables CORS for these origins when not empty.
	CORSOrigins []string
	// CORSMethods, CORSHeaders and CORSExpose list the allowed methods,
	// request header fields and exposed response fields.
	CORSMethods, CORSHeaders, CORSExpose []string
	// CORSCredentials allows credentialed requests.
	CORSCredentials bool
	// CORSMaxAge is how long browsers may cache a preflight answer.
	CORSMaxAge time.Duration
	// RateLimit is the requests per second allowed per client IP; zero
	// disables rate limiting.
	RateLimit float64
	// RateBurst is how many requests a client may make at once; zero
	// means the rate.
	RateBurst int
	// TrustedProxies are the peers whose X-Forwarded-For or Forwarded
	// fields are believed, by the rate limiter and the access log.
	TrustedProxies []netip.Prefix
	// RateMaxKeys caps the client IPs tracked.
	RateMaxKeys int
}

// middlewareSettings are the pipeline's flags; their YAML form lives in the
// "middleware:" section.
var middlewareSettings = []setting{
	{name: "access-log", usage: "write a JSON access log line per request to stdout (--access-log=false turns it off)", envOnly: true, set: func(c *Config, v string) (err error) {
		on, err := parseBool(v)
		c.Middleware.NoAccessLog = !on
		return err
	}},
	{name: "access-log-format", arg: "FORMAT", usage: "access log format: json or combined (the Apache/nginx combined log format)", envOnly: true, set: func(c *Config, v string) (err error) {
		c.Middleware.AccessLogFormat, err = parseAccessLogFormat(v)
		return err
	}},
	{name: "access-log-file", arg: "PATH", usage: "append the access log to this file instead of stdout; reopened on SIGUSR1 (empty: stdout)", envOnly: true, set: func(c *Config, v string) error {
		c.Middleware.AccessLogFile = v
		return nil
	}},
	{name: "metrics-path", arg: "PATH", usage: "path answering Prometheus metrics, default /metrics (YAML middleware.metrics: false turns them off)", envOnly: true, set: func(c *Config, v string) (err error) {
		c.Middleware.MetricsPath, err = parseMetricsPath(v)
		return err
	}},
	{name: "metrics-addr", arg: "HOST:PORT", usage: "serve the metrics on this separate address only, e.g. 127.0.0.1:9090 (empty: on the main address)", envOnly: true, set: func(c *Config, v string) (err error) {
		c.Middleware.MetricsAddr, err = parseAddr(v)
		return err
	}},
	{name: "cors-origins", arg: "LIST", usage: "comma-separated origins allowed by CORS, e.g. https://*.example.com (empty: CORS off)", envOnly: true, set: func(c *Config, v string) (err error) {
		c.Middleware.CORSOrigins, err = parseOrigins(splitList(v))
		return err
	}},
	{name: "rate-limit", arg: "N", usage: "requests per second allowed per client IP (0: no limit)", envOnly: true, set: func(c *Config, v string) (err error) {
		c.Middleware.RateLimit, err = parseRate(v)
		return err
	}},
	{name: "rate-burst", arg: "N", usage: "requests a client IP may make at once (0: the rate)", envOnly: true, set: func(c *Config, v string) (err error) {
		c.Middleware.RateBurst, err = parseCount(v)
		return err
	}},
}

func init() { settings = append(settings, middlewareSettings...) }

// mwSection is the shape of the "middleware:" YAML section.
type mwSection struct {
	AccessLog       *bool    `yaml:"access_log"`
	AccessLogQuiet  []string `yaml:"access_log_quiet"`
	AccessLogFormat *string  `yaml:"access_log_format"`
	AccessLogFile   *string  `yaml:"access_log_file"`
	Compress        *bool    `yaml:"compress"`
	Metrics         *bool    `yaml:"metrics"`
	MetricsPath     *string  `yaml:"metrics_path"`
	MetricsAddr     *string  `yaml:"metrics_addr"`
	CORS            *struct {
		Origins     []string `yaml:"origins"`
		Methods     []string `yaml:"methods"`
		Headers     []string `yaml:"headers"`
		Expose      []string `yaml:"expose"`
		Credentials bool     `yaml:"credentials"`
		MaxAge      string   `yaml:"max_age"`
	} `yaml:"cors"`
	RateLimit *struct {
		Rate           string   `yaml:"rate"`
		Burst          string   `yaml:"burst"`
		TrustedProxies []string `yaml:"trusted_proxies"`
		MaxKeys        string   `yaml:"max_keys"`
	} `yaml:"rate_limit"`
}

// apply validates the section and stores it in m.
func (f *mwSection) apply(m *Middleware, file string) error {
	fail := func(key string, err error) error {
		return &Error{Source: "config", Key: "middleware." + key, Problem: err.Error(), File: file}
	}
	var err error
	if f.AccessLog != nil {
		m.NoAccessLog = !*f.AccessLog
	}
	if f.AccessLogQuiet != nil {
		m.AccessLogQuiet = f.AccessLogQuiet
	}
	if f.AccessLogFormat != nil {
		if m.AccessLogFormat, err = parseAccessLogFormat(*f.AccessLogFormat); err != nil {
			return fail("access_log_format", err)
		}
	}
	if f.AccessLogFile != nil {
		m.AccessLogFile = *f.AccessLogFile
	}
	if f.Compress != nil {
		m.NoCompress = !*f.Compress
	}
	if f.Metrics != nil {
		m.NoMetrics = !*f.Metrics
	}
	if f.MetricsPath != nil {
		if m.MetricsPath, err = parseMetricsPath(*f.MetricsPath); err != nil {
			return fail("metrics_path", err)
		}
	}
	if f.MetricsAddr != nil {
		if m.MetricsAddr, err = parseAddr(*f.MetricsAddr); err != nil {
			return fail("metrics_addr", err)
		}
	}
	if c := f.CORS; c != nil {
		if m.CORSOrigins, err = parseOrigins(c.Origins); err != nil {
			return fail("cors.origins", err)
		}
		m.CORSMethods, m.CORSHeaders, m.CORSExpose, m.CORSCredentials = c.Methods, c.Headers, c.Expose, c.Credentials
		if c.MaxAge != "" {
			if m.CORSMaxAge, err = parseDuration(c.MaxAge); err != nil {
				return fail("cors.max_age", err)
			}
		}
		if _, err := middleware.CORS(m.corsOptions()); err != nil {
			return fail("cors", err)
		}
	}
	if r := f.RateLimit; r != nil {
		if r.Rate != "" {
			if m.RateLimit, err = parseRate(r.Rate); err != nil {
				return fail("rate_limit.rate", err)
			}
		}
		if r.Burst != "" {
			if m.RateBurst, err = parseCount(r.Burst); err != nil {
				return fail("rate_limit.burst", err)
			}
		}
		if r.MaxKeys != "" {
			if m.RateMaxKeys, err = parseCount(r.MaxKeys); err != nil {
				return fail("rate_limit.max_keys", err)
			}
		}
		m.TrustedProxies = m.TrustedProxies[:0]
		for _, p := range r.TrustedProxies {
			pfx, err := parseProxyPrefix(p)
			if err != nil {
				return fail("rate_limit.trusted_proxies", err)
			}
			m.TrustedProxies = append(m.TrustedProxies, pfx)
		}
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseOrigins checks each origin the way the CORS middleware will.
func parseOrigins(list []string) ([]string, error) {
	for _, o := range list {
		if _, err := middleware.CORS(middleware.CORSOptions{AllowedOrigins: []string{o}}); err != nil {
			return nil, fmt.Errorf("invalid origin %q (want scheme://host[:port], scheme://*.domain or *)", o)
		}
	}
	return list, nil
}

// parseRate accepts a non-negative decimal number of requests per second.
func parseRate(s string) (float64, error) {
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || r < 0 || r > 1e9 || r != r {
		return 0, fmt.Errorf("invalid rate %q (want requests per second, e.g. 20 or 0.5)", s)
	}
	return r, nil
}

// parseAccessLogFormat accepts json and combined.
func parseAccessLogFormat(s string) (middleware.AccessLogFormat, error) {
	f, err := middleware.ParseAccessLogFormat(s)
	if err != nil || s == "" {
		return "", fmt.Errorf("invalid access log format %q (want json or combined)", s)
	}
	return f, nil
}

// parseMetricsPath accepts an absolute path without query or fragment,
// other than the health endpoints'.
func parseMetricsPath(s string) (string, error) {
	if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, "?# \t") {
		return "", fmt.Errorf("invalid metrics path %q (want an absolute path like /metrics)", s)
	}
	if s == "/health" || strings.HasPrefix(s, "/health/") {
		return "", fmt.Errorf("invalid metrics path %q (reserved for the health check)", s)
	}
	return s, nil
}

// parseProxyPrefix accepts a CIDR prefix or a single address.
func parseProxyPrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("invalid proxy address %q (want a CIDR prefix like 10.0.0.0/8)", s)
}

func (m *Middleware) corsOptions() middleware.CORSOptions {
	return middleware.CORSOptions{
		AllowedOrigins: m.CORSOrigins, AllowedMethods: m.CORSMethods, AllowedHeaders: m.CORSHeaders,
		ExposedHeaders: m.CORSExpose, AllowCredentials: m.CORSCredentials, MaxAge: m.CORSMaxAge,
	}
}

// Pipeline builds the request pipeline: the access log writes to
// accessLog, or to the AccessLogFile (which Pipeline.Reopen reopens and
// Pipeline.Close closes); panics are reported to log. It fails on a file
// it cannot open, naming the key.
func (c *Config) Pipeline(accessLog io.Writer, log *slog.Logger) (*middleware.Pipeline, error) {
	m := &c.Middleware
	quiet := m.AccessLogQuiet
	if quiet == nil {
		quiet = []string{"/health", "/health/ready"}
	}
	ao := middleware.AccessLogOptions{Format: m.AccessLogFormat, Output: accessLog, Quiet: quiet, TrustedProxies: m.TrustedProxies}
	if m.AccessLogFile != "" && !m.NoAccessLog {
		f, err := middleware.OpenLogFile(m.AccessLogFile)
		if err != nil {
			return nil, &Error{Key: "access-log-file", Problem: err.Error()}
		}
		ao.File = f
	}
	o := middleware.PipelineOptions{
		Logger:           log,
		AccessLog:        ao,
		DisableAccessLog: m.NoAccessLog,
		Metrics:          middleware.MetricsOptions{Path: m.MetricsPath, Runtime: true, Unmounted: m.MetricsAddr != ""},
		DisableMetrics:   m.NoMetrics,
		DisableCompress:  m.NoCompress,
	}
	if len(m.CORSOrigins) > 0 {
		cors := m.corsOptions()
		o.CORS = &cors
	}
	if m.RateLimit > 0 {
		o.RateLimit = &middleware.RateLimitOptions{Rate: m.RateLimit, Burst: m.RateBurst, TrustedProxies: m.TrustedProxies, MaxKeys: m.RateMaxKeys}
	}
	if c.TLS() && !c.TLSSelfSigned {
		o.Security = hstsOnly()
	}
	return middleware.NewPipeline(o)
}
