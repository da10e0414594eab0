// Command middleware runs a small API behind the full middleware pipeline:
// request IDs, a JSON access log on stdout, panic recovery, metrics,
// security headers, CORS, per-IP rate limiting and compression, with a
// per-route timeout and body limit.
//
//	go run ./examples/middleware -addr :8080
//	curl -i localhost:8080/api/items                 # X-Request-ID, RateLimit, RateLimit-Policy
//	curl -s --compressed localhost:8080/api/report   # 2.9 KB of JSON, zstd if curl offers it, else gzip
//	curl -i localhost:8080/api/slow                  # 503 after 200 ms
//	curl -i -X POST --data-binary @/etc/services localhost:8080/api/items  # 413
//	curl -i localhost:8080/api/panic                 # 500, one log line with the stack
//	curl -i -X OPTIONS -H 'Origin: https://app.example.com' \
//	     -H 'Access-Control-Request-Method: POST' localhost:8080/api/items
//	curl -s localhost:8080/metrics | grep http_requests_total
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/middleware"
	"github.com/rawsock/httpserver/router"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	rate := flag.Float64("rate-limit", 20, "requests per second per client IP")
	burst := flag.Int("rate-burst", 40, "burst per client IP")
	flag.Parse()

	logger := slog.New(middleware.NewLogHandler(slog.NewJSONHandler(os.Stderr, nil)))
	slog.SetDefault(logger)

	pipeline, err := middleware.NewPipeline(middleware.PipelineOptions{
		AccessLog: middleware.AccessLogOptions{Quiet: []string{"/health"}},
		CORS: &middleware.CORSOptions{
			AllowedOrigins: []string{"https://app.example.com", "http://localhost:3000"},
			AllowedMethods: []string{"GET", "POST"},
			AllowedHeaders: []string{"Content-Type"},
			ExposedHeaders: []string{"X-Request-ID", "RateLimit", "RateLimit-Policy"},
			MaxAge:         10 * time.Minute,
		},
		RateLimit: &middleware.RateLimitOptions{Rate: *rate, Burst: *burst},
		Security:  &middleware.SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'none'"},
	})
	if err != nil {
		logger.Error("pipeline", "err", err)
		os.Exit(2)
	}

	srv := &httpserver.Server{Handler: pipeline.Wrap(routes()), Logger: logger}
	pipeline.Metrics.SetServer(srv) // open connections, workers, rejections
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("listen", "err", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stop()
		grace, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- srv.Shutdown(grace)
	}()

	logger.Info("listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, httpserver.ErrServerClosed) {
		logger.Error("serve", "err", err)
		os.Exit(1)
	}
	if err := <-drained; err != nil {
		logger.Error("shutdown", "err", err)
	}
	pipeline.Close() // writes the access log records still queued
}

func routes() *router.Router {
	r := router.New()
	r.Get("/health", func(w httpserver.ResponseWriter, _ *httpserver.Request) { w.WriteString("ok\n") })
	r.Group("/api", func(api *router.Router) {
		api.Get("/items", listItems)
		api.With(middleware.BodyLimit(4<<10)).Post("/items", createItem)
		api.Get("/report", report)
		api.With(middleware.Timeout(200*time.Millisecond, middleware.TimeoutOptions{})).Get("/slow", slow)
		api.Get("/panic", func(httpserver.ResponseWriter, *httpserver.Request) { panic("something broke") })
	})
	return r
}

func listItems(w httpserver.ResponseWriter, r *httpserver.Request) {
	middleware.Logger(r.Context()).Info("listing items") // carries request_id
	w.Header().Set("Content-Type", "application/json")
	w.WriteString(`[{"id":1,"name":"apple"},{"id":2,"name":"pear"}]` + "\n")
}

func createItem(w httpserver.ResponseWriter, r *httpserver.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // over 4 KiB: the BodyLimit middleware answers 413
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpserver.StatusCreated)
	fmt.Fprintf(w, "{\"received\":%d}\n", len(body))
}

func report(w httpserver.ResponseWriter, _ *httpserver.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteString("[" + strings.TrimSuffix(strings.Repeat(`{"metric":"requests","value":12345},`, 80), ",") + "]\n")
}

func slow(w httpserver.ResponseWriter, r *httpserver.Request) {
	select {
	case <-time.After(2 * time.Second):
		w.WriteString("finally\n")
	case <-r.Context().Done(): // the client already got 503
	}
}
