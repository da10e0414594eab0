package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrHelp is returned by [Load] when the arguments ask for help (-h,
// --help); the caller prints [Usage] and exits successfully.
var ErrHelp = errors.New("httpserver: help requested")

// Error reports a rejected configuration value. Its message is one line.
type Error struct {
	// Source is where the value came from: "flag", "env" or "config".
	Source string
	// Key names the setting as spelled in its source: "--max-conns",
	// "HTTPSERVER_MAX_CONNS" or "max_conns" (empty for errors about a
	// whole file).
	Key string
	// Problem says what is wrong, quoting the bad value with %q.
	Problem string
	// File and Line locate a YAML value, when known.
	File string
	Line int
}

// Error returns the message: "httpserver: ", the source and key, the
// problem, and the file and line of a YAML value.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("httpserver: ")
	switch e.Source {
	case "":
	case "config":
		b.WriteString("config: ")
	default:
		b.WriteString(e.Source)
		b.WriteString(" ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.File != "" {
		if e.Line > 0 {
			fmt.Fprintf(&b, " (%s line %d)", e.File, e.Line)
		} else {
			fmt.Fprintf(&b, " (%s)", e.File)
		}
	}
	return oneLine(b.String())
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, "; ")
}
