package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/internal/demo"
)

// redirectServer is the plain HTTP listener of --redirect-addr.
type redirectServer struct {
	srv  *httpserver.Server
	done chan error
}

// startRedirect listens on cfg.RedirectAddr, if set, and serves the
// redirects there: health probes go to health (the live handler, so that
// they fail during a drain as on the TLS port), everything else is sent
// to https on httpsAddr's port.
func startRedirect(cfg *config.Config, health httpserver.Handler, httpsAddr net.Addr, log *slog.Logger) (*redirectServer, error) {
	if cfg.RedirectAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.RedirectAddr)
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(httpsAddr.String())
	srv := &httpserver.Server{Handler: &redirectHandler{health: health, httpsPort: port}, Logger: log}
	cfg.Apply(srv)
	srv.Addr = cfg.RedirectAddr
	r := &redirectServer{srv: srv, done: make(chan error, 1)}
	log.Info("redirect listener: plain HTTP answered 308 to https", "addr", ln.Addr().String(), "https_port", port)
	go func() { r.done <- srv.Serve(ln) }()
	return r, nil
}

// stop shuts the redirect listener down within a few seconds.
func (r *redirectServer) stop() {
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r.srv.Shutdown(ctx) != nil {
		r.srv.Close()
	}
	<-r.done
}

// redirectHandler answers plain HTTP requests with a redirect to the same
// host and target over https, except the health probes.
type redirectHandler struct {
	health    httpserver.Handler
	httpsPort string // "" or "443": no port in the Location
}

func (h *redirectHandler) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	if demo.IsProbe(r.Path) {
		h.health.ServeHTTP(w, r)
		return
	}
	// The server has checked Host's syntax (RFC 9112 §3.2); only a
	// request without one, or in asterisk-form, cannot be redirected.
	host := r.Host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		host = hp
	}
	if host == "" || r.Target == "*" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(httpserver.StatusBadRequest)
		w.WriteString("Bad Request: no host to redirect to\n")
		return
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	hostPort := host
	if strings.Contains(host, ":") { // an IPv6 address
		hostPort = "[" + host + "]"
	}
	if h.httpsPort != "" && h.httpsPort != "443" {
		hostPort = net.JoinHostPort(host, h.httpsPort)
	}
	loc := "https://" + hostPort + r.RawPath
	if r.RawQuery != "" {
		loc += "?" + r.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// RFC 9110 §15.4.9: 308 keeps the method and body, unlike 301.
	w.WriteHeader(httpserver.StatusPermanentRedirect)
	if r.Method != "HEAD" {
		w.WriteString("Permanent Redirect: " + loc + "\n")
	}
}
