package middleware_test

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/middleware"
	"github.com/rawsock/httpserver/router"
)

func hello(w httpserver.ResponseWriter, r *httpserver.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteString("hello\n")
}

// The default pipeline around a router.
func ExampleNewPipeline() {
	p, err := middleware.NewPipeline(middleware.PipelineOptions{
		DisableAccessLog: true, // keep the example's output stable
	})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	r := router.New()
	r.Get("/hello", hello)
	srv := &httpserver.Server{Handler: p.Wrap(r)}
	p.Metrics.SetServer(srv) // reports open connections and the server's load

	rec := httpservertest.NewRecorder()
	srv.Handler.ServeHTTP(rec, httpservertest.NewRequest("GET", "/hello", nil))
	fmt.Println(rec.Code, len(rec.HeaderMap.Get("X-Request-ID")))
	// Output: 200 26
}

func ExampleRequestID() {
	h := middleware.RequestID(middleware.RequestIDOptions{})(httpserver.HandlerFunc(
		func(w httpserver.ResponseWriter, r *httpserver.Request) {
			fmt.Println("id:", middleware.RequestIDFrom(r.Context()))
		}))
	req := httpservertest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	h.ServeHTTP(httpservertest.NewRecorder(), req)
	// Output: id: abc-123
}

func ExampleNewLogHandler() {
	opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	logger := slog.New(middleware.NewLogHandler(slog.NewJSONHandler(os.Stdout, opts)))
	h := middleware.RequestID(middleware.RequestIDOptions{})(httpserver.HandlerFunc(
		func(w httpserver.ResponseWriter, r *httpserver.Request) {
			logger.InfoContext(r.Context(), "charging card")
		}))
	req := httpservertest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "req-9")
	h.ServeHTTP(httpservertest.NewRecorder(), req)
	// Output: {"level":"INFO","msg":"charging card","request_id":"req-9"}
}

func ExampleNewAccessLog() {
	logs := middleware.NewAccessLog(middleware.AccessLogOptions{
		Logger:      slog.New(slog.NewJSONHandler(os.Stdout, nil)),
		Quiet:       []string{"/health"}, // only failures and 1 in 100
		QuietSample: 100,
	})
	defer logs.Close() // writes what is queued
	srv := &httpserver.Server{Handler: logs.Middleware(httpserver.HandlerFunc(hello))}
	_ = srv
}

func ExampleRecover() {
	h := middleware.Recover(middleware.RecoverOptions{Logger: slog.New(slog.DiscardHandler)})(httpserver.HandlerFunc(
		func(w httpserver.ResponseWriter, r *httpserver.Request) { panic("bug") }))
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 500 Internal Server Error
}

func ExampleCORS() {
	cors, err := middleware.CORS(middleware.CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.example.org"},
		AllowedMethods:   []string{"GET", "POST", "DELETE"},
		AllowedHeaders:   []string{"Content-Type", "Authorization"},
		AllowCredentials: true,
		MaxAge:           time.Hour,
	})
	if err != nil {
		panic(err)
	}
	req := httpservertest.NewRequest("OPTIONS", "/api/items", nil)
	req.Header.Set("Origin", "https://admin.example.org")
	req.Header.Set("Access-Control-Request-Method", "DELETE")
	rec := httpservertest.NewRecorder()
	cors(httpserver.HandlerFunc(hello)).ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.HeaderMap.Get("Access-Control-Allow-Origin"), rec.HeaderMap.Get("Access-Control-Max-Age"))
	// Output: 204 https://admin.example.org 3600
}

func ExampleNewRateLimiter() {
	limiter := middleware.NewRateLimiter(middleware.RateLimitOptions{
		Rate:           10, // per second, per client IP
		Burst:          2,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
	})
	h := limiter.Middleware(httpserver.HandlerFunc(hello))
	for i := 0; i < 3; i++ {
		rec := httpservertest.NewRecorder()
		h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
		fmt.Println(rec.Code, rec.HeaderMap.Get("RateLimit-Policy"), rec.HeaderMap.Get("RateLimit"))
	}
	// Output:
	// 200 "default";q=2;w=1 "default";r=1;t=1
	// 200 "default";q=2;w=1 "default";r=0;t=1
	// 429 "default";q=2;w=1 "default";r=0;t=1
}

func ExampleCompress() {
	h := middleware.Compress(middleware.CompressOptions{})(httpserver.HandlerFunc(
		func(w httpserver.ResponseWriter, r *httpserver.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteString(strings.Repeat("compress me ", 200))
		}))
	req := httpservertest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip;q=0.8, deflate;q=0.5")
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.HeaderMap.Get("Content-Encoding"), rec.HeaderMap.Get("Vary"), rec.Body.Len() < 2400)
	// Output: gzip Accept-Encoding true
}

func ExampleTimeout() {
	r := router.New()
	r.With(middleware.Timeout(2*time.Second, middleware.TimeoutOptions{})).Get("/report", func(w httpserver.ResponseWriter, r *httpserver.Request) {
		select {
		case <-time.After(10 * time.Millisecond): // the work
			w.WriteString("report\n")
		case <-r.Context().Done(): // gave up: the client already has a 503
		}
	})
	rec := httpservertest.NewRecorder()
	r.ServeHTTP(rec, httpservertest.NewRequest("GET", "/report", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 200 report
}

func ExampleBodyLimit() {
	r := router.New()
	r.With(middleware.BodyLimit(1<<10)).Post("/comments", hello)
	rec := httpservertest.NewRecorder()
	r.ServeHTTP(rec, httpservertest.NewRequest("POST", "/comments", strings.NewReader(strings.Repeat("x", 2000))))
	fmt.Println(rec.Code)
	// Output: 413
}

func ExampleSecurityHeaders() {
	h := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{
		ContentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'",
		HSTSMaxAge:            365 * 24 * time.Hour,
		HSTSForce:             true, // TLS is terminated by a proxy in front
	})(httpserver.HandlerFunc(hello))
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, httpservertest.NewRequest("GET", "/", nil))
	fmt.Println(rec.HeaderMap.Get("Strict-Transport-Security"))
	// Output: max-age=31536000
}

func ExampleMetrics() {
	m := middleware.NewMetrics(middleware.MetricsOptions{})
	r := router.New()
	r.Get("/users/:id", hello)
	r.Get("/metrics", m.ServeHTTP)
	h := m.Middleware(r)
	h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/users/42", nil))
	var sb strings.Builder
	m.WritePrometheus(&sb)
	for _, line := range strings.Split(sb.String(), "\n") {
		if strings.HasPrefix(line, "http_requests_total{") {
			fmt.Println(line)
		}
	}
	// Output: http_requests_total{method="GET",route="/users/:id",status="200"} 1
}
