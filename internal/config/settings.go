package config

import (
	"strings"
	"time"
)

// setting describes one configuration key, spelled --name as a flag,
// HTTPSERVER_NAME in the environment and name (with '_' for '-') in YAML.
type setting struct {
	name     string // flag name, e.g. "read-header-timeout"
	arg      string // value placeholder in the usage; "" for boolean flags
	usage    string
	flagOnly bool // not settable from the environment or YAML
	envOnly  bool // settable from flags and the environment, not YAML
	set      func(c *Config, v string) error
}

func (s *setting) yamlKey() string { return strings.ReplaceAll(s.name, "-", "_") }
func (s *setting) envKey() string  { return "HTTPSERVER_" + strings.ToUpper(s.yamlKey()) }
func (s *setting) isBool() bool    { return s.arg == "" }

// settings lists every key in the order of the usage text.
var settings = []setting{
	{name: "addr", arg: "HOST:PORT", usage: "TCP address to listen on", set: func(c *Config, v string) (err error) {
		c.Addr, err = parseAddr(v)
		return err
	}},
	{name: "config", arg: "PATH", usage: "YAML configuration file", envOnly: true, set: func(c *Config, v string) (err error) {
		c.File, err = parsePath(v)
		return err
	}},
	durationSetting("read-header-timeout", "time allowed to read a request header block (0: no timeout)", func(c *Config) *time.Duration { return &c.ReadHeaderTimeout }),
	durationSetting("read-timeout", "time allowed to read a whole request (0: no timeout)", func(c *Config) *time.Duration { return &c.ReadTimeout }),
	durationSetting("write-timeout", "time a response may go without the client taking any of its bytes (0: no timeout)", func(c *Config) *time.Duration { return &c.WriteTimeout }),
	durationSetting("response-timeout", "time allowed to send a whole response, from the end of its request header, however fast the client reads (0: no cap)", func(c *Config) *time.Duration { return &c.ResponseTimeout }),
	durationSetting("idle-timeout", "time a keep-alive connection may wait for its next request (0: no timeout)", func(c *Config) *time.Duration { return &c.IdleTimeout }),
	durationSetting("shutdown-timeout", "grace period for in-flight requests on SIGTERM (0: no limit)", func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
	durationSetting("shutdown-delay", "on SIGTERM, keep serving this long with /health failing before the shutdown starts (0: none)", func(c *Config) *time.Duration { return &c.ShutdownDelay }),
	sizeSetting("max-header-bytes", "largest request header block", func(c *Config) *int64 { return &c.MaxHeaderBytes }),
	sizeSetting("max-body-bytes", "largest request body", func(c *Config) *int64 { return &c.MaxBodyBytes }),
	{name: "max-conns", arg: "N", usage: "most concurrent connections (0: no cap)", set: func(c *Config, v string) (err error) {
		c.MaxConns, err = parseCount(v)
		return err
	}},
	{name: "engine", arg: "NAME", usage: "how connections are run: goroutine, pool or epoll (Linux)", set: func(c *Config, v string) (err error) {
		c.Engine, err = parseEngine(v)
		return err
	}},
	{name: "epoll-hand-off", usage: "with --engine epoll, hand every request to a worker instead of serving it on the event loop that read it", set: func(c *Config, v string) (err error) {
		c.EpollHandOff, err = parseBool(v)
		return err
	}},
	{name: "h2c", usage: "serve HTTP/2 over cleartext to clients with prior knowledge (--h2c=false answers them 505)", set: func(c *Config, v string) (err error) {
		c.H2C, err = parseBool(v)
		return err
	}},
	{name: "log-level", arg: "LEVEL", usage: "debug, info, warn or error", set: func(c *Config, v string) (err error) {
		c.LogLevel, err = parseLevel(v)
		return err
	}},
	{name: "log-format", arg: "FORMAT", usage: "json or text", set: func(c *Config, v string) (err error) {
		c.LogFormat, err = parseFormat(v)
		return err
	}},
	{name: "server-name", arg: "NAME", usage: "value of the Server header field (empty: none)", set: func(c *Config, v string) (err error) {
		c.ServerName, err = parseServerName(v)
		return err
	}},
	{name: "demo", usage: "serve the welcome page at / and /api/echo (--demo=false turns them off; off with --root unless given)", set: func(c *Config, v string) (err error) {
		c.Demo, err = parseBool(v)
		return err
	}},
	{name: "root", arg: "DIR", usage: "directory to serve at / instead of the welcome page", set: func(c *Config, v string) (err error) {
		c.Root, err = parsePath(v)
		return err
	}},
	durationSetting("file-cache", "how long --root and the static mounts serve a file from memory before checking it again (0: no cache)", func(c *Config) *time.Duration { return &c.FileCache }),
	{name: "workers", arg: "N", usage: "run N worker processes sharing the port (SO_REUSEPORT) under a supervisor (0 or 1: one process)", set: func(c *Config, v string) (err error) {
		c.Workers, err = parseWorkers(v)
		return err
	}},
	durationSetting("upgrade-timeout", "on SIGUSR2, how long the new process may take to become ready before the old one keeps serving", func(c *Config) *time.Duration { return &c.UpgradeTimeout }),
	{name: "version", usage: "print the version and exit", flagOnly: true, set: func(c *Config, v string) (err error) {
		c.Version, err = parseBool(v)
		return err
	}},
	{name: "check-config", usage: "validate the flags, environment and YAML file, print the effective configuration and exit (0: valid, 2: not)", flagOnly: true, set: func(c *Config, v string) (err error) {
		c.CheckConfig, err = parseBool(v)
		return err
	}},
}

func durationSetting(name, usage string, field func(*Config) *time.Duration) setting {
	return setting{name: name, arg: "DURATION", usage: usage, set: func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err == nil {
			*field(c) = d
		}
		return err
	}}
}

func sizeSetting(name, usage string, field func(*Config) *int64) setting {
	return setting{name: name, arg: "BYTES", usage: usage + " (e.g. 65536 or 64KiB)", set: func(c *Config, v string) error {
		n, err := parseSize(v)
		if err == nil {
			*field(c) = n
		}
		return err
	}}
}

// lookup returns the setting with the given flag name, or nil.
func lookup(name string) *setting {
	for i := range settings {
		if settings[i].name == name {
			return &settings[i]
		}
	}
	return nil
}
