// Command httpserver serves HTTP/1.1 with the httpserver library: health
// and readiness checks, a demo welcome page and echo endpoint, static
// directories and Prometheus metrics, configured by flags, HTTPSERVER_*
// environment variables or a YAML file (see docs/configuration.md).
//
//	httpserver --addr :8080 --root ./public
//	httpserver --config /etc/httpserver.yaml --log-format text
//
// SIGTERM or SIGINT starts a graceful shutdown bounded by
// --shutdown-timeout; a second signal exits at once with status 1. Bad
// configuration exits with status 2. SIGHUP reloads the configuration in
// place (reload.go); SIGUSR2 hands the listening sockets to a new process
// of the binary and drains once it serves (upgrade.go, inherit.go);
// --workers N runs a supervisor of N worker processes sharing the port
// (supervisor.go).
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}
