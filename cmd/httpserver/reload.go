package main

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/config"
	"github.com/rawsock/httpserver/middleware"
)

// generation is the request handling built from one configuration: the
// handler with its directories and its middleware pipeline. A reload
// (SIGHUP) makes a new generation current; the old one releases its
// directories and pipeline once its last request is answered.
type generation struct {
	cfg      *config.Config
	handler  httpserver.Handler
	pipeline *sharedPipeline
	closers  []io.Closer

	active  atomic.Int64 // requests being served
	retired atomic.Bool  // no longer current
	once    sync.Once
}

// sharedPipeline is a pipeline with the generations using it counted: a
// reload that leaves the middleware settings alone keeps the pipeline,
// and with it the metrics and the access log.
type sharedPipeline struct {
	*middleware.Pipeline
	refs atomic.Int32
}

// release ends a request served by g.
func (g *generation) release() {
	if g.active.Add(-1) == 0 && g.retired.Load() {
		g.close()
	}
}

// retire marks g as replaced; it closes once idle.
func (g *generation) retire() {
	g.retired.Store(true)
	if g.active.Load() == 0 {
		g.close()
	}
}

// close releases g's directories and its share of the pipeline; the
// last generation using the pipeline closes it, writing out the access
// log records still queued.
func (g *generation) close() {
	g.once.Do(func() {
		closeAll(g.closers)
		if g.pipeline.refs.Add(-1) == 0 {
			g.pipeline.Close()
		}
	})
}

// liveHandler answers each request with the current generation and makes
// new ones on reload, without touching the connections.
type liveHandler struct {
	cur atomic.Pointer[generation]

	start        time.Time
	shuttingDown func() bool
	addr         net.Addr
	stdout       io.Writer
	log          *slog.Logger
	level        *slog.LevelVar
	srv          *httpserver.Server // set before serving
}

// rejected records a request the server answered itself before any
// handler ran in the current generation's access log.
func (h *liveHandler) rejected(rr *httpserver.RejectedRequest) {
	if g := h.cur.Load(); g != nil {
		g.pipeline.AccessLog.LogRejected(rr)
	}
}

// ServeHTTP serves r with the current generation.
func (h *liveHandler) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	g := h.acquire()
	defer g.release()
	g.handler.ServeHTTP(w, r)
}

// acquire returns the current generation with the request counted in. A
// generation retired between the load and the count is let go: it may
// have closed already.
func (h *liveHandler) acquire() *generation {
	for {
		g := h.cur.Load()
		g.active.Add(1)
		if h.cur.Load() == g {
			return g
		}
		g.release()
	}
}

// current returns the configuration in force.
func (h *liveHandler) current() *config.Config { return h.cur.Load().cfg }

// metrics returns the current pipeline's metrics, or nil.
func (h *liveHandler) metrics() *middleware.Metrics { return h.cur.Load().pipeline.Metrics }

// newGeneration builds the request handling of cfg, keeping prev's
// pipeline when the middleware settings are the same.
func (h *liveHandler) newGeneration(cfg *config.Config, prev *generation) (*generation, error) {
	handler, closers, err := buildHandler(cfg, h.start, h.shuttingDown, h.addr)
	if err != nil {
		return nil, err
	}
	g := &generation{cfg: cfg, closers: closers}
	if prev != nil && cfg.SamePipeline(prev.cfg) {
		g.pipeline = prev.pipeline
	} else {
		p, err := cfg.Pipeline(h.stdout, h.log)
		if err != nil {
			closeAll(closers)
			return nil, err
		}
		g.pipeline = &sharedPipeline{Pipeline: p}
		if h.srv != nil {
			observeServer(p, h.srv)
		}
	}
	g.pipeline.refs.Add(1)
	if g.handler, err = wrapPipeline(cfg, g.pipeline.Pipeline, handler, h.log); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// reload reads the configuration again from args and environ, as at the
// start, and makes it current if it is valid. Settings that need a
// restart keep their values, with one warning naming them; an invalid
// configuration is refused with one error and the current one serves on.
func (h *liveHandler) reload(args, environ []string) {
	old := h.cur.Load()
	cfg, err := config.Load(args, lookupIn(environ))
	if err != nil {
		h.log.Error("reload refused; the configuration in force stays", "err", err.Error())
		return
	}
	kept := cfg.KeepRestartOnly(old.cfg)
	g, err := h.newGeneration(&cfg, old)
	if err != nil {
		h.log.Error("reload refused; the configuration in force stays", "err", err.Error())
		return
	}
	h.level.Set(cfg.LogLevel)
	h.cur.Store(g)
	old.retire()
	if len(kept) > 0 {
		h.log.Warn("reload: these settings need a restart and keep their values", "settings", kept)
	}
	h.log.Info("reloaded the configuration", "config", cfg.File, "pipeline_kept", g.pipeline == old.pipeline)
}

// closeCurrent releases the current generation at the end of serving.
func (h *liveHandler) closeCurrent() {
	if g := h.cur.Load(); g != nil {
		g.retire()
	}
}
