package config

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/rawsock/httpserver/internal/syntax"
)

// parseDuration accepts a Go duration string ("3s", "250ms", "1m30s");
// negative durations are rejected.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// sizeUnits are the accepted binary suffixes of a size.
var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10},
	{"MiB", 1 << 20},
	{"GiB", 1 << 30},
}

// parseSize accepts a positive number of bytes in decimal digits,
// optionally followed by KiB, MiB or GiB ("65536", "64KiB").
func parseSize(s string) (int64, error) {
	num, factor := s, int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, factor = n, u.factor
			break
		}
	}
	if strings.HasPrefix(num, "-") {
		return 0, fmt.Errorf("negative size %q", s)
	}
	if !allDigits(num) {
		return 0, fmt.Errorf("invalid size %q (want bytes, optionally with KiB, MiB or GiB)", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/factor {
		return 0, fmt.Errorf("size too large %q", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("size must be at least 1 byte, got %q", s)
	}
	return n * factor, nil
}

// parseCount accepts a non-negative decimal integer.
func parseCount(s string) (int, error) {
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("negative value %q", s)
	}
	if !allDigits(s) {
		return 0, fmt.Errorf("invalid value %q", s)
	}
	n, err := strconv.ParseInt(s, 10, 0)
	if err != nil {
		return 0, fmt.Errorf("value too large %q", s)
	}
	return int(n), nil
}

// maxWorkers bounds --workers: each worker is a whole process.
const maxWorkers = 1024

// parseWorkers accepts a worker count from 0 to maxWorkers.
func parseWorkers(s string) (int, error) {
	n, err := parseCount(s)
	if err == nil && n > maxWorkers {
		err = fmt.Errorf("too many workers %q (at most %d)", s, maxWorkers)
	}
	return n, err
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseBool accepts the spellings of strconv.ParseBool.
func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("invalid boolean %q (want true or false)", s)
	}
	return b, nil
}

// parseLevel accepts debug, info, warn or error, in any case.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("invalid log level %q (want debug, info, warn or error)", s)
}

// parseFormat accepts json or text.
func parseFormat(s string) (string, error) {
	switch s {
	case "json", "text":
		return s, nil
	}
	return "", fmt.Errorf("invalid log format %q (want json or text)", s)
}

// parseAddr accepts host:port with a decimal port in 0-65535; the host may
// be empty (all interfaces).
func parseAddr(s string) (string, error) {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("invalid address %q (want host:port)", s)
	}
	if n, err := strconv.Atoi(port); err != nil || !allDigits(port) || n > 65535 {
		return "", fmt.Errorf("invalid port in address %q", s)
	}
	return s, nil
}

// parseServerName accepts a string usable as a header field value: no
// control characters (RFC 9110 §5.5) and no leading or trailing
// whitespace.
func parseServerName(s string) (string, error) {
	if !syntax.ValidFieldValue(s) {
		return "", fmt.Errorf("invalid server name %q (control character)", s)
	}
	if strings.TrimSpace(s) != s {
		return "", fmt.Errorf("invalid server name %q (surrounding whitespace)", s)
	}
	return s, nil
}

// parsePath accepts any non-empty path.
func parsePath(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty path %q", s)
	}
	return s, nil
}
