package middleware

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/router"
)

// discardWriter is a ResponseWriter that keeps nothing, for benchmarks.
type discardWriter struct {
	h      httpserver.Header
	status int
}

func (d *discardWriter) Header() *httpserver.Header          { return &d.h }
func (d *discardWriter) WriteHeader(s int)                   { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error)         { return len(p), nil }
func (d *discardWriter) WriteString(s string) (int, error)   { return len(s), nil }
func (d *discardWriter) Flush() error                        { return nil }
func (d *discardWriter) reset()                              { d.h.Reset(); d.status = 0 }
func (d *discardWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }

var smallJSON = `{"id":42,"name":"Ada Lovelace","email":"ada@example.com","roles":["admin","dev"]}`

func jsonHandler(w httpserver.ResponseWriter, r *httpserver.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteString(smallJSON)
}

func benchMiddleware(b *testing.B, mw httpserver.Middleware, h httpserver.HandlerFunc, prep func(*httpserver.Request)) {
	b.Helper()
	handler := mw(h)
	req := httpservertest.NewRequest("GET", "/users/42?fields=all", nil)
	req.Header.Set("User-Agent", "bench/1")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	if prep != nil {
		prep(req)
	}
	w := &discardWriter{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.reset()
		handler.ServeHTTP(w, req)
	}
}

func identity(next httpserver.Handler) httpserver.Handler { return next }

func BenchmarkBare(b *testing.B) { benchMiddleware(b, identity, jsonHandler, nil) }

func BenchmarkRequestID(b *testing.B) {
	benchMiddleware(b, RequestID(RequestIDOptions{}), jsonHandler, nil)
}

func BenchmarkRequestIDIncoming(b *testing.B) {
	benchMiddleware(b, RequestID(RequestIDOptions{}), jsonHandler, func(r *httpserver.Request) {
		r.Header.Set("X-Request-ID", "0123456789abcdef")
	})
}

func BenchmarkNewRequestID(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = NewRequestID()
	}
}

func BenchmarkAccessLog(b *testing.B) {
	logs := NewAccessLog(AccessLogOptions{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), QueueSize: 1 << 16})
	defer logs.Close()
	benchMiddleware(b, logs.Middleware, jsonHandler, nil)
	b.ReportMetric(float64(logs.Dropped()), "dropped")
}

// BenchmarkAccessLogDefault is the binary's default: JSON lines, no Logger
// of the caller's.
func BenchmarkAccessLogDefault(b *testing.B) {
	logs := NewAccessLog(AccessLogOptions{Output: io.Discard, QueueSize: 1 << 16})
	defer logs.Close()
	benchMiddleware(b, logs.Middleware, jsonHandler, nil)
	b.ReportMetric(float64(logs.Dropped()), "dropped")
}

func BenchmarkAccessLogCombined(b *testing.B) {
	logs := NewAccessLog(AccessLogOptions{Format: AccessLogCombined, Output: io.Discard, QueueSize: 1 << 16})
	defer logs.Close()
	benchMiddleware(b, logs.Middleware, jsonHandler, nil)
	b.ReportMetric(float64(logs.Dropped()), "dropped")
}

func BenchmarkRecover(b *testing.B) { benchMiddleware(b, Recover(RecoverOptions{}), jsonHandler, nil) }

func BenchmarkCORS(b *testing.B) {
	cors, _ := CORS(CORSOptions{AllowedOrigins: []string{"https://a.example.com", "https://*.example.org"}, AllowCredentials: true})
	benchMiddleware(b, cors, jsonHandler, func(r *httpserver.Request) { r.Header.Set("Origin", "https://x.example.org") })
}

func BenchmarkCORSPreflight(b *testing.B) {
	cors, _ := CORS(CORSOptions{AllowedOrigins: []string{"https://a.example.com"}, AllowedHeaders: []string{"Content-Type"}, MaxAge: time.Hour})
	benchMiddleware(b, cors, jsonHandler, func(r *httpserver.Request) {
		r.Method = "OPTIONS"
		r.Header.Set("Origin", "https://a.example.com")
		r.Header.Set("Access-Control-Request-Method", "GET")
	})
}

func BenchmarkRateLimit(b *testing.B) {
	l := NewRateLimiter(RateLimitOptions{Rate: 1e9, Burst: 50})
	benchMiddleware(b, l.Middleware, jsonHandler, nil)
}

func BenchmarkRateLimitAllowParallel(b *testing.B) {
	l := NewRateLimiter(RateLimitOptions{Rate: 1e9, Burst: 1 << 30})
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.Allow(keys[i&1023])
			i++
		}
	})
}

func BenchmarkCompressSmall(b *testing.B) {
	benchMiddleware(b, Compress(CompressOptions{}), jsonHandler, nil)
}

func BenchmarkCompress8KiB(b *testing.B) {
	body := strings.Repeat(smallJSON, 110)[:8192]
	for _, ae := range []string{"gzip", "zstd", "deflate"} {
		b.Run(ae, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			benchMiddleware(b, Compress(CompressOptions{}), func(w httpserver.ResponseWriter, r *httpserver.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteString(body)
			}, func(r *httpserver.Request) { r.Header.Set("Accept-Encoding", ae) })
		})
	}
}

func BenchmarkTimeout(b *testing.B) {
	benchMiddleware(b, Timeout(time.Second, TimeoutOptions{}), jsonHandler, nil)
}

func BenchmarkBodyLimit(b *testing.B) { benchMiddleware(b, BodyLimit(1<<20), jsonHandler, nil) }

func BenchmarkSecurityHeaders(b *testing.B) {
	benchMiddleware(b, SecurityHeaders(SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'self'"}), jsonHandler, nil)
}

func BenchmarkMetrics(b *testing.B) {
	m := NewMetrics(MetricsOptions{})
	benchMiddleware(b, m.Middleware, jsonHandler, func(r *httpserver.Request) { r.Pattern = "/users/:id" })
}

func BenchmarkPipelineInProcess(b *testing.B) {
	p, _ := NewPipeline(PipelineOptions{AccessLog: AccessLogOptions{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), QueueSize: 1 << 16}})
	defer p.Close()
	benchMiddleware(b, p.Middleware(), jsonHandler, nil)
}

// BenchmarkLoopback compares a bare router with the same router behind
// the default pipeline (access log to io.Discard), over one keep-alive
// connection on loopback.
func BenchmarkLoopback(b *testing.B) {
	newRouter := func() *router.Router {
		rt := router.New()
		rt.Get("/users/:id", jsonHandler)
		return rt
	}
	b.Run("bare", func(b *testing.B) { benchLoopback(b, newRouter()) })
	b.Run("pipeline", func(b *testing.B) {
		p, _ := NewPipeline(PipelineOptions{AccessLog: AccessLogOptions{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), QueueSize: 1 << 16}})
		defer p.Close()
		benchLoopback(b, p.Wrap(newRouter()))
	})
	// The binary's default: the access log encodes its JSON lines itself.
	b.Run("pipeline-default-log", func(b *testing.B) {
		p, _ := NewPipeline(PipelineOptions{AccessLog: AccessLogOptions{Output: io.Discard, QueueSize: 1 << 16}})
		defer p.Close()
		benchLoopback(b, p.Wrap(newRouter()))
	})
}

func benchLoopback(b *testing.B, h httpserver.Handler) {
	base := serve(b, h)
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := []byte("GET /users/42 HTTP/1.1\r\nHost: x\r\nUser-Agent: bench\r\nAccept-Encoding: gzip\r\n\r\n")
	br := bufio.NewReader(c)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		n := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) <= 2 {
				break
			}
			if v, ok := strings.CutPrefix(string(line), "Content-Length: "); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if n < 0 {
			b.Fatal("no Content-Length")
		}
		if _, err := br.Discard(n); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
