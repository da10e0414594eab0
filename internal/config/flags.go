package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagValue is one flag as given on the command line, before parsing.
type flagValue struct {
	s     *setting
	value string
}

// rawFlag is a flag.Value that records the raw text of each occurrence, so
// that values are parsed, and their errors worded, by this package.
type rawFlag struct {
	s    *setting
	seen *[]flagValue
}

func (f rawFlag) String() string { return "" }

func (f rawFlag) Set(v string) error {
	*f.seen = append(*f.seen, flagValue{f.s, v})
	return nil
}

// IsBoolFlag lets boolean flags stand alone (--demo) or take =false.
func (f rawFlag) IsBoolFlag() bool { return f.s.isBool() }

// parseFlags returns the flags given in args, in order. It rejects unknown
// flags, missing values and positional arguments.
func parseFlags(args []string) ([]flagValue, error) {
	var seen []flagValue
	fs := flag.NewFlagSet("httpserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for i := range settings {
		fs.Var(rawFlag{&settings[i], &seen}, settings[i].name, settings[i].usage)
	}
	if err := fs.Parse(args); err != nil {
		return nil, flagError(err)
	}
	if rest := fs.Args(); len(rest) > 0 {
		return nil, &Error{Problem: fmt.Sprintf("unexpected argument %q (flags come first, as --name=value)", rest[0])}
	}
	return seen, nil
}

// flagError rewords the errors of package flag in this package's form.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return ErrHelp
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return &Error{Source: "flag", Key: "--" + name, Problem: "unknown flag"}
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return &Error{Source: "flag", Key: "--" + name, Problem: "missing value"}
	}
	if arg, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return &Error{Source: "flag", Problem: fmt.Sprintf("bad syntax %q", arg)}
	}
	return &Error{Source: "flag", Problem: msg}
}

// Usage writes the description of every flag to w.
func Usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Usage: httpserver [flags]\n       httpserver healthcheck [--timeout DURATION] [URL]   (exit 0 if URL answers 200)\n\n")
	b.WriteString("Each flag may also be set by the environment variable shown after it and,\n")
	b.WriteString("where one is shown, by that top-level key of the YAML file given by --config.\n")
	b.WriteString("The pipeline flags (--access-log and the others shown without a key) are set\n")
	b.WriteString("in the file's middleware: section instead; see docs/configuration.md.\n")
	b.WriteString("Precedence: flags, then environment, then file, then defaults.\n\nFlags:\n")
	def := Default()
	for i := range settings {
		s := &settings[i]
		fmt.Fprintf(&b, "  --%s", s.name)
		if !s.isBool() {
			fmt.Fprintf(&b, " %s", s.arg)
		}
		fmt.Fprintf(&b, "\n        %s", s.usage)
		if d := defaultText(&def, s.name); d != "" {
			fmt.Fprintf(&b, " (default %s)", d)
		}
		switch {
		case s.flagOnly:
		case s.envOnly:
			fmt.Fprintf(&b, " [%s]", s.envKey())
		default:
			fmt.Fprintf(&b, " [%s, YAML %s]", s.envKey(), s.yamlKey())
		}
		b.WriteString("\n")
	}
	io.WriteString(w, b.String())
}

// defaultText renders the default of a setting for the usage text.
func defaultText(c *Config, name string) string {
	switch name {
	case "addr":
		return fmt.Sprintf("%q", c.Addr)
	case "read-header-timeout":
		return c.ReadHeaderTimeout.String()
	case "read-timeout":
		return c.ReadTimeout.String()
	case "write-timeout":
		return c.WriteTimeout.String()
	case "response-timeout":
		return c.ResponseTimeout.String()
	case "idle-timeout":
		return c.IdleTimeout.String()
	case "shutdown-timeout":
		return c.ShutdownTimeout.String()
	case "shutdown-delay":
		return c.ShutdownDelay.String()
	case "file-cache":
		return c.FileCache.String()
	case "max-header-bytes":
		return fmt.Sprint(c.MaxHeaderBytes)
	case "max-body-bytes":
		return fmt.Sprint(c.MaxBodyBytes)
	case "max-conns":
		return fmt.Sprint(c.MaxConns)
	case "log-level":
		return strings.ToLower(c.LogLevel.String())
	case "log-format":
		return c.LogFormat
	case "demo":
		return fmt.Sprint(c.Demo)
	case "h2c":
		return fmt.Sprint(c.H2C)
	case "epoll-hand-off":
		return fmt.Sprint(c.EpollHandOff)
	case "workers":
		return fmt.Sprint(c.Workers)
	case "upgrade-timeout":
		return c.UpgradeTimeout.String()
	}
	return ""
}
