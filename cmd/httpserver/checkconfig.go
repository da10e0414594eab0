package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rawsock/httpserver/internal/config"
)

// checkConfig is the --check-config mode: cfg has passed [config.Load];
// this also opens what the server would open at start-up (the static
// directories, the middleware pipeline), without listening, then prints
// the effective configuration on stdout. A problem is one line on stderr
// and exit status 2, as when serving; an unknown HTTPSERVER_* variable in
// environ is warned about on stderr, as when serving.
func checkConfig(cfg *config.Config, environ []string, stdout, stderr io.Writer) int {
	warnUnknownEnv(environ, cfg.NewLogger(stderr))
	handler, closers, err := buildHandler(cfg, time.Now(), func() bool { return false }, nil, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	defer closeAll(closers)
	_, pipeline, err := withPipeline(cfg, handler, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	pipeline.Close()
	fmt.Fprintf(stdout, "# httpserver %s: configuration OK\n", buildVersion())
	if err := cfg.WriteEffective(stdout); err != nil {
		fmt.Fprintln(stderr, "httpserver: writing the configuration:", err)
		return exitFailed
	}
	return exitOK
}
