package main

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/internal/config"
)

// TestGenerationOutlivesReload: a request in flight when a reload swaps
// the handler finishes on the old generation, whose pipeline is closed
// only after that request; a reload that leaves the middleware alone keeps
// the pipeline; the log level follows; a broken file changes nothing.
func TestGenerationOutlivesReload(t *testing.T) {
	file := filepath.Join(t.TempDir(), "httpserver.yaml")
	writeFile(t, file, "log_level: info\n")
	args := []string{"--config", file, "--access-log=false"}
	cfg, err := config.Load(args, nil)
	if err != nil {
		t.Fatal(err)
	}
	level := new(slog.LevelVar)
	level.Set(cfg.LogLevel)
	sink := newLogSink()
	live := &liveHandler{start: time.Now(), shuttingDown: func() bool { return false }, stdout: io.Discard, log: cfg.NewLeveledLogger(sink, level), level: level}
	g1, err := live.newGeneration(&cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	live.cur.Store(g1)
	defer live.closeCurrent()
	serve := func(path string) (int, *httpservertest.ResponseRecorder) {
		w := httpservertest.NewRecorder()
		live.ServeHTTP(w, httpservertest.NewRequest("GET", path, nil))
		code, _, _ := w.Result()
		return code, w
	}
	if code, _ := serve("/api/echo"); code != 200 {
		t.Fatalf("GET /api/echo: %d", code)
	}

	inFlight := live.acquire() // a request being served by g1
	writeFile(t, file, "log_level: debug\nmiddleware:\n  rate_limit:\n    rate: 1000\n")
	live.reload(args, nil)
	g2 := live.cur.Load()
	if g2 == g1 || g2.pipeline == g1.pipeline || level.Level() != slog.LevelDebug {
		t.Fatalf("reload did not apply: same generation %v, same pipeline %v, level %v", g2 == g1, g2.pipeline == g1.pipeline, level.Level())
	}
	if n := g1.pipeline.refs.Load(); n != 1 {
		t.Errorf("old pipeline released with a request in flight (refs %d)", n)
	}
	if _, w := serve("/api/echo"); w.Header().Get("RateLimit-Policy") == "" {
		t.Error("the new generation does not rate limit")
	}
	inFlight.release()
	if n := g1.pipeline.refs.Load(); n != 0 {
		t.Errorf("old pipeline not released after its last request (refs %d)", n)
	}

	writeFile(t, file, "log_level: [\n")
	live.reload(args, nil)
	if live.cur.Load() != g2 || level.Level() != slog.LevelDebug {
		t.Error("a broken file changed the configuration in force")
	}
	if n := strings.Count(sink.String(), `"msg":"reload refused; the configuration in force stays"`); n != 1 {
		t.Errorf("%d refusal records, want 1:\n%s", n, sink)
	}

	writeFile(t, file, "log_level: warn\ndemo: false\nmiddleware:\n  rate_limit:\n    rate: 1000\n")
	live.reload(args, nil)
	g3 := live.cur.Load()
	if g3 == g2 || g3.pipeline != g2.pipeline || g3.pipeline.refs.Load() != 1 || level.Level() != slog.LevelWarn {
		t.Errorf("same middleware: pipeline kept %v (refs %d), level %v", g3.pipeline == g2.pipeline, g3.pipeline.refs.Load(), level.Level())
	}
	if code, _ := serve("/api/echo"); code != 404 {
		t.Errorf("GET /api/echo with the demo off: %d", code)
	}
}
