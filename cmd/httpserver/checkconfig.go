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
	// What a reload builds: the handler with its directories and pipeline.
	live := &liveHandler{start: time.Now(), shuttingDown: func() bool { return false }, stdout: io.Discard, log: slog.New(slog.DiscardHandler)}
	g, err := live.newGeneration(cfg, nil)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	g.retire() // closes them
	fmt.Fprintf(stdout, "# httpserver %s: configuration OK\n", buildVersion())
	if err := cfg.WriteEffective(stdout); err != nil {
		fmt.Fprintln(stderr, "httpserver: writing the configuration:", err)
		return exitFailed
	}
	return exitOK
}
