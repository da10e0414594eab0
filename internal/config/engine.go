package config

import (
	"fmt"

	"github.com/rawsock/httpserver"
)

// parseEngine accepts an engine name: goroutine, pool or epoll (any case).
func parseEngine(s string) (httpserver.Engine, error) {
	e, err := httpserver.ParseEngine(s)
	if err != nil || s == "" {
		return "", fmt.Errorf("invalid engine %q (want goroutine, pool or epoll)", s)
	}
	return e, nil
}
