// Package h2test runs an [http2.ServerConn] per accepted connection on a
// listener, with a small test handler: the harness of the package's
// socket tests, the interop tests and the h2spec server. It is for tests
// only.
package h2test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Server accepts connections and serves each with HTTP/2 (prior knowledge).
type Server struct {
	l     net.Listener
	cfg   *http2.Config
	h     http2.Handler
	mu    sync.Mutex
	conns map[*http2.ServerConn]struct{}
	wg    sync.WaitGroup
}

// Start listens on addr ("127.0.0.1:0" when empty) and serves h.
func Start(addr string, cfg *http2.Config, h http2.Handler) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{l: l, cfg: cfg, h: h, conns: make(map[*http2.ServerConn]struct{})}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.l.Addr().String() }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.l.Accept()
		if err != nil {
			return
		}
		sc := http2.NewServerConn(nc, s.cfg, s.h)
		s.mu.Lock()
		s.conns[sc] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			sc.Serve(http2.ServeOptions{})
			s.mu.Lock()
			delete(s.conns, sc)
			s.mu.Unlock()
		}()
	}
}

// Shutdown stops accepting and shuts every connection down gracefully.
func (s *Server) Shutdown(ctx context.Context) error {
	s.l.Close()
	s.mu.Lock()
	conns := make([]*http2.ServerConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var err error
	for _, c := range conns {
		err = errors.Join(err, c.Shutdown(ctx))
	}
	s.wg.Wait()
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() {
	s.l.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Handler is the test handler:
//
//	/echo        the request body back, request trailers as response trailers
//	/big?n=N     N octets of 'x'
//	/status?c=N  an empty response with status N
//	/headers     the request's regular fields as "name: value" lines
//	/wait        blocks until the stream is reset or the connection ends
//	anything     "hello, " + :method + " " + :path
var Handler http2.Handler = http2.HandlerFunc(serve)

func serve(s *http2.Stream) {
	p := s.Pseudo()
	path, query, _ := strings.Cut(p.Path, "?")
	text := []hpack.HeaderField{{Name: "content-type", Value: "text/plain"}}
	switch path {
	case "/echo":
		s.WriteHeaders(200, text, false)
		buf := make([]byte, 32<<10)
		if _, err := io.CopyBuffer(writerOnly{s}, readerOnly{s}, buf); err != nil {
			return
		}
		if tr := s.Trailers(); len(tr) > 0 {
			s.WriteTrailers(tr)
		}
	case "/big":
		n, _ := strconv.Atoi(strings.TrimPrefix(query, "n="))
		s.WriteHeaders(200, append(text, hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(n)}), n == 0)
		chunk := []byte(strings.Repeat("x", 16<<10))
		for n > 0 {
			m := min(n, len(chunk))
			if _, err := s.Write(chunk[:m]); err != nil {
				return
			}
			n -= m
		}
	case "/status":
		code, _ := strconv.Atoi(strings.TrimPrefix(query, "c="))
		s.WriteHeaders(code, nil, true)
	case "/headers":
		var b strings.Builder
		for _, f := range s.Header() {
			b.WriteString(f.Name + ": " + f.Value + "\n")
		}
		s.WriteHeaders(200, text, false)
		s.Write([]byte(b.String()))
	case "/wait":
		s.WriteHeaders(200, text, false)
		<-s.Done()
	default:
		io.Copy(io.Discard, readerOnly{s})
		body := "hello, " + p.Method + " " + p.Path
		s.WriteHeaders(200, append(text, hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(body))}), false)
		s.Write([]byte(body))
	}
}

type readerOnly struct{ io.Reader }
type writerOnly struct{ io.Writer }
