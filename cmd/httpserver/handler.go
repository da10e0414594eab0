package main

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/internal/demo"
	"github.com/rawsock/httpserver/static"
	"github.com/rawsock/httpserver/websocket"
)

// buildHandler assembles the top-level handler from cfg: the built-in
// endpoints, the root directory and the static mounts; addr is the
// listener's address, shown on the welcome page; webSockets is the group
// the /api/ws connections join (nil: websocket.DefaultGroup). The returned closers
// release the directory handles.
func buildHandler(cfg *config.Config, start time.Time, shuttingDown func() bool, addr net.Addr, webSockets *websocket.Group) (httpserver.Handler, []io.Closer, error) {
	opts := demo.Options{
		Version:      buildVersion(),
		Start:        start,
		ShuttingDown: shuttingDown,
		Demo:         cfg.Demo,
		Addr:         dialAddr(addr),
		WebSockets:   webSockets,
	}
	var closers []io.Closer
	open := func(what, dir string, o *static.Options) (httpserver.Handler, error) {
		h, err := static.Dir(dir, o)
		if err != nil {
			closeAll(closers)
			return nil, fmt.Errorf("httpserver: %s: %w", what, err)
		}
		closers = append(closers, h)
		return h, nil
	}
	// --file-cache 0 turns the open-file cache off; otherwise it is how
	// long a file is trusted before it is checked again.
	cache := static.CacheOptions{Disable: cfg.FileCache == 0, Validity: cfg.FileCache}
	if cfg.Root != "" {
		h, err := open("root", cfg.Root, &static.Options{Cache: cache})
		if err != nil {
			return nil, nil, err
		}
		opts.Root = h
	}
	for i, m := range cfg.Static {
		h, err := open(fmt.Sprintf("static[%d]", i), m.Dir, &static.Options{CacheControl: m.CacheControl, Listing: m.Listing, Cache: cache})
		if err != nil {
			return nil, nil, err
		}
		opts.Mounts = append(opts.Mounts, demo.Mount{Prefix: m.Prefix, Handler: h})
	}
	return demo.Handler(opts), closers, nil
}

func closeAll(closers []io.Closer) {
	for _, c := range closers {
		c.Close()
	}
}

// dialAddr returns the host:port a client on this machine can use to
// reach a listener bound to a: "localhost" stands for a wildcard host.
func dialAddr(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
