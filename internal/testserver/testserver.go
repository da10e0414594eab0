// Package testserver starts an httpserver.Server on a loopback port for the
// tests of this module's packages. The engine comes from the environment
// variable HTTPSERVER_TEST_ENGINE (goroutine, pool or epoll; the default
// engine when unset), so that CI runs every package's socket tests once per
// engine. The server also serves HTTP/2 with prior knowledge (h2c), which
// the client of internal/testutil/clients speaks:
//
//	addr, srv := testserver.Start(t, handler)
//	resp, err := http.Get("http://" + addr + "/")
//	resp, err = clients.H2C(t).Get("http://" + addr + "/")
package testserver

import (
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/rawsock/httpserver"
)

// EnvEngine names the environment variable that selects the engine.
const EnvEngine = "HTTPSERVER_TEST_ENGINE"

// Engine returns the engine the tests should use. An invalid value fails
// loudly rather than silently testing the default.
func Engine(t testing.TB) httpserver.Engine {
	name := os.Getenv(EnvEngine)
	if name == "" {
		return httpserver.DefaultEngine
	}
	e, err := httpserver.ParseEngine(name)
	if err != nil {
		t.Fatalf("%s: %v", EnvEngine, err)
	}
	return e
}

// Start serves h on 127.0.0.1 with the selected engine until the test ends,
// when the server is closed. configure may adjust the server before it
// starts.
func Start(t testing.TB, h httpserver.Handler, configure ...func(*httpserver.Server)) (string, *httpserver.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return StartOn(t, ln, h, configure...)
}

// StartOn is Start on a listener of the caller's, such as one made by
// [SmallSendBuffer].
func StartOn(t testing.TB, ln net.Listener, h httpserver.Handler, configure ...func(*httpserver.Server)) (string, *httpserver.Server) {
	t.Helper()
	srv := &httpserver.Server{
		Handler: h,
		Engine:  Engine(t),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		HTTP2:   httpserver.HTTP2Options{H2C: true},
	}
	for _, f := range configure {
		f(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != httpserver.ErrServerClosed {
			t.Errorf("testserver: Serve returned %v", err)
		}
	})
	return ln.Addr().String(), srv
}

// SmallSendBuffer wraps ln so that the TCP connections it accepts have a
// send buffer of about size bytes. On loopback a socket buffers megabytes
// and takes a slow client's bytes only when a third of them has drained;
// with a small buffer it takes them in small steps, as over a real
// network, which tests of the write timeout need.
func SmallSendBuffer(ln net.Listener, size int) net.Listener {
	return smallSendBuffer{ln, size}
}

type smallSendBuffer struct {
	net.Listener
	size int
}

func (l smallSendBuffer) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetWriteBuffer(l.size)
	}
	return nc, err
}
