package httpserver

import (
	"crypto/tls"
	"fmt"
	"net"
	"slices"
)

// ALPN protocol IDs (RFC 7301) the server offers.
const (
	alpnHTTP2 = "h2"       // RFC 9113 §3.2
	alpnHTTP1 = "http/1.1" // RFC 7301 §6
)

// ListenAndServeTLS listens on s.Addr (":8443" if empty) and serves TLS
// connections on it, as [Server.ServeTLS] does, until Shutdown or Close,
// then returns ErrServerClosed.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if s.inShutdown.Load() {
		return ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		addr = ":8443"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeTLS(l, certFile, keyFile)
}

// ServeTLS accepts connections on l and serves HTTPS on them: each
// connection's TLS handshake runs on the goroutine or worker that then
// serves it (never on an event loop), within Timeouts.ReadHeader; a
// client that sends nothing, or only part of its hello, is cut off then.
//
// The configuration is a copy of s.TLSConfig (or an empty one) with, when
// unset: MinVersion TLS 1.2 (Go's default cipher suites, all with forward
// secrecy and AEAD ciphers, are kept), and NextProtos "h2" (only when
// HTTP/2 is available in this build) and "http/1.1". A "h2" the caller
// listed is dropped when HTTP/2 is not available. certFile and keyFile,
// when given, name PEM files of a certificate (with its chain) and its
// key, added to the copy's Certificates; with neither, the certificate
// must come from TLSConfig (Certificates, GetCertificate or
// GetConfigForClient), or ServeTLS fails with an error wrapping
// ErrInvalidSetting.
//
// Serve, unlike ServeTLS, always serves plain HTTP, whatever TLSConfig
// holds. ServeTLS closes l, and returns as Serve does.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	cfg, err := s.tlsServerConfig(certFile, keyFile)
	if err != nil {
		l.Close()
		return err
	}
	return s.Serve(&tlsListener{Listener: l, config: cfg})
}

// tlsListener is ServeTLS's listener: its Accept returns the server side
// of a TLS connection, not yet shaken hands. The epoll engine takes its
// TCP listener and configuration apart instead, to accept raw sockets
// and park TLS connections like plain ones (tls_engine_epoll_linux.go).
type tlsListener struct {
	net.Listener
	config *tls.Config
}

// Accept implements net.Listener.
func (l *tlsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return tls.Server(&helloRecords{Conn: c}, l.config), nil
}

// tlsServerConfig makes the configuration ServeTLS serves with (see
// there).
func (s *Server) tlsServerConfig(certFile, keyFile string) (*tls.Config, error) {
	var cfg *tls.Config
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	} else {
		cfg = new(tls.Config)
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	cfg.NextProtos = offeredProtocols(cfg.NextProtos)
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("httpserver: loading the TLS certificate %q and key %q: %w", certFile, keyFile, err)
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, fmt.Errorf("%w: ServeTLS needs a certificate: certFile and keyFile, or TLSConfig.Certificates, GetCertificate or GetConfigForClient", ErrInvalidSetting)
	}
	return cfg, nil
}

// offeredProtocols returns the ALPN list to offer: the caller's, without
// "h2" when HTTP/2 is not available, or by default "h2" (when available)
// then "http/1.1". The server picks by the order of this list among those
// the client offers (crypto/tls), so HTTP/2 is preferred.
func offeredProtocols(configured []string) []string {
	if len(configured) == 0 {
		if http2Available() {
			return []string{alpnHTTP2, alpnHTTP1}
		}
		return []string{alpnHTTP1}
	}
	if !http2Available() {
		return slices.DeleteFunc(slices.Clone(configured), func(p string) bool { return p == alpnHTTP2 })
	}
	return configured
}
