package middleware

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver"
)

// ErrAccessLogClosed is returned by [AccessLog.Flush] after Close.
var ErrAccessLogClosed = errors.New("middleware: access log closed")

// AccessLogOptions configures [NewAccessLog].
type AccessLogOptions struct {
	// Format is AccessLogJSON (the default, also "") or AccessLogCombined.
	Format AccessLogFormat
	// Logger receives one record per request in the JSON format. If nil,
	// records are written as JSON lines to the output (File or Output).
	// The combined format does not use it.
	Logger *slog.Logger
	// Output receives the lines; os.Stdout if nil.
	Output io.Writer
	// File, when set, receives the lines instead of Output, and belongs
	// to the access log from then on: [AccessLog.Reopen] reopens it (for
	// log rotation) and [AccessLog.Close] closes it.
	File *LogFile
	// QueueSize bounds the records waiting for the logger; when the queue
	// is full new records are dropped and counted. 4096 if zero. Lines the
	// access log encodes itself (no Logger) wait as bytes instead, up to
	// QueueSize*256 bytes.
	QueueSize int
	// Quiet lists exact paths (health checks, say) that are logged only
	// when they fail (status >= 500) or, with QuietSample > 0, one in
	// QuietSample times.
	Quiet []string
	// QuietSample logs one request in this many to a Quiet path; 0 logs
	// none of the successful ones.
	QuietSample int
	// TrustedProxies, when set, adds a "client" attribute: the client IP
	// found through X-Forwarded-For or Forwarded (see [ClientIP]); the
	// combined format logs it instead of the socket peer. [NewPipeline]
	// takes the rate limiter's when this is nil.
	TrustedProxies []netip.Prefix
}

// AccessLog writes one structured record per request through log/slog:
// time, request_id, remote, method, path, query, proto, status, bytes,
// duration, user_agent and route (or one combined-format line, see
// [AccessLogCombined]). A response whose sending failed while the handler
// wrote it (the client stopped reading, see [httpserver.Timeouts], or went
// away) is logged at warn level with "aborted", the reason, and "sent",
// the response bytes the client's socket took (see
// [httpserver.ResponseAbortedError]). Records go through a bounded queue to a
// background goroutine, so a slow sink never blocks a request: when the
// queue is full the record is dropped and counted (see [AccessLog.Dropped]).
// Call [AccessLog.Close] at shutdown to write what is queued.
type AccessLog struct {
	logger *slog.Logger
	format AccessLogFormat
	direct bool      // JSON lines encoded here, not through logger (accesslog_json.go)
	out    io.Writer // combined or direct JSON lines
	file   *LogFile  // owned output, if any

	// Combined and direct JSON lines are encoded on the request's
	// goroutine into lines (no copy of the request, nothing queued) and
	// written by the writer goroutine, which takes them into batch.
	mu         sync.Mutex
	lines      lineBlocks // guarded by mu
	maxPending int
	batch      [][]byte // writer goroutine only
	queue      chan logEntry
	quiet      map[string]struct{}
	trusted    []netip.Prefix
	sample     uint64
	seen       atomic.Uint64
	dropped    atomic.Uint64
	closed     atomic.Bool
	stop       chan struct{}
	done       chan struct{}
	once       sync.Once
}

// logEntry is one queued record. Its strings are substrings of one
// allocation, copied from the request (whose buffers the server reuses).
// A non-nil flushed makes the entry a flush marker.
type logEntry struct {
	start                                                        time.Time
	id, remote, method, path, query, proto, agent, route, client string
	status                                                       int
	bytes                                                        int64
	duration                                                     time.Duration
	flushed                                                      chan struct{}
	target, referer                                              string // combined format only
	aborted                                                      string // why sending failed; "" when it did not
	sent                                                         int64  // response bytes sent, when aborted
	rejected                                                     string // why the server answered before any handler ran
}

// NewAccessLog starts an access log; Close stops it. It panics on a
// Format other than AccessLogJSON, AccessLogCombined and "".
func NewAccessLog(opts AccessLogOptions) *AccessLog {
	format, err := ParseAccessLogFormat(string(opts.Format))
	if err != nil {
		panic(err)
	}
	out := opts.Output
	if opts.File != nil {
		out = opts.File
	} else if out == nil {
		out = os.Stdout
	}
	l := opts.Logger
	direct := l == nil
	if direct {
		l = slog.New(slog.NewJSONHandler(out, nil))
	}
	n := opts.QueueSize
	if n <= 0 {
		n = 4096
	}
	maxPending := n * 256
	if direct || format == AccessLogCombined {
		n = 16 // only Flush's markers are queued
	}
	a := &AccessLog{
		logger:     l,
		format:     format,
		direct:     direct,
		out:        out,
		file:       opts.File,
		queue:      make(chan logEntry, n),
		maxPending: maxPending,
		quiet:      make(map[string]struct{}, len(opts.Quiet)),
		trusted:    opts.TrustedProxies,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	if opts.QuietSample > 0 {
		a.sample = uint64(opts.QuietSample)
	}
	for _, p := range opts.Quiet {
		a.quiet[p] = struct{}{}
	}
	go a.run()
	return a
}

// Middleware logs every request that passes through it. Place it after
// [RequestID] and before the router.
func (a *AccessLog) Middleware(next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
		start := time.Now()
		rec, owned := observe(w)
		if owned {
			defer putRecorder(rec)
		}
		next.ServeHTTP(rec, r)
		status := rec.statusOr(httpserver.StatusOK)
		if !a.wanted(r.Path, status) {
			return
		}
		a.enqueue(r, rec, status, start)
	})
}

// wanted applies the quiet-path policy.
func (a *AccessLog) wanted(path string, status int) bool {
	if len(a.quiet) == 0 || status >= 500 {
		return true
	}
	if _, ok := a.quiet[path]; !ok {
		return true
	}
	return a.sample > 0 && a.seen.Add(1)%a.sample == 0
}

func (a *AccessLog) enqueue(r *httpserver.Request, rec *recorder, status int, start time.Time) {
	if a.closed.Load() {
		a.dropped.Add(1)
		return
	}
	id := requestID(r.Context()) // copied or encoded before the request ends
	agent := r.Header.Get("User-Agent")
	client := ""
	if a.trusted != nil {
		// Declared here: it ends up on the heap, only when needed.
		var ipBuf [48]byte
		if ip := ClientIP(r, a.trusted); ip.IsValid() {
			client = unsafeString(ip.AppendTo(ipBuf[:0]))
		}
	}
	var target, referer string
	if a.format == AccessLogCombined {
		target, referer = r.Target, r.Header.Get("Referer")
	}
	if a.direct || a.format == AccessLogCombined {
		// Encoded now, while the request's strings are valid: no copy.
		e := logEntry{
			start: start, id: id, remote: r.RemoteAddr, method: r.Method, path: r.Path,
			query: r.RawQuery, proto: r.Proto, agent: agent, route: r.Pattern, client: client,
			target: target, referer: referer,
			status: status, bytes: rec.bytes, duration: time.Since(start),
		}
		if ae := rec.aborted(); ae != nil {
			e.aborted, e.sent = ae.Reason, ae.Sent
		}
		a.addLine(&e)
		return
	}
	a.enqueueCopy(r, rec, status, start, id, agent, client, target, referer)
}

// enqueueCopy queues a record for the caller's slog.Logger, its strings
// copied into one allocation. A function of its own, so that the direct
// path of enqueue, which every request of the default pipeline takes,
// keeps a small stack frame.
//
//go:noinline
func (a *AccessLog) enqueueCopy(r *httpserver.Request, rec *recorder, status int, start time.Time, id, agent, client, target, referer string) {
	parts := [...]string{id, r.RemoteAddr, r.Method, r.Path, r.RawQuery, r.Proto, agent, r.Pattern, client, target, referer}
	var n int
	for _, p := range parts {
		n += len(p)
	}
	var sb strings.Builder
	sb.Grow(n)
	for _, p := range parts {
		sb.WriteString(p)
	}
	all := sb.String()
	var cut [len(parts)]string
	off := 0
	for i, p := range parts {
		cut[i] = all[off : off+len(p)]
		off += len(p)
	}
	e := logEntry{
		start: start, id: cut[0], remote: cut[1], method: cut[2], path: cut[3],
		query: cut[4], proto: cut[5], agent: cut[6], route: cut[7], client: cut[8],
		target: cut[9], referer: cut[10],
		status: status, bytes: rec.bytes, duration: time.Since(start),
	}
	if ae := rec.aborted(); ae != nil {
		e.aborted, e.sent = ae.Reason, ae.Sent
	}
	select {
	case a.queue <- e:
	default:
		a.dropped.Add(1)
	}
}

// run writes queued records until Close. It polls the queue instead of
// blocking on it: a receiver parked on the channel would make every
// request pay for waking it up (a futex call and a context switch), which
// costs more than the rest of the pipeline together.
func (a *AccessLog) run() {
	defer close(a.done)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		a.drain()
		select {
		case <-tick.C:
		case <-a.stop:
			a.drain()
			return
		}
	}
}

// pollInterval is how often the writer goroutine looks at the queue.
const pollInterval = 5 * time.Millisecond

// drain writes every record queued.
func (a *AccessLog) drain() {
	for {
		select {
		case e := <-a.queue:
			a.write(e)
		default:
			a.writePending()
			return
		}
	}
}

// entryLevel is the level of an entry's record: warn when sending the
// response failed, error for a 5xx status.
func entryLevel(e *logEntry) slog.Level {
	switch {
	case e.status >= 500:
		return slog.LevelError
	case e.aborted != "":
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func (a *AccessLog) write(e logEntry) {
	if e.flushed != nil {
		a.writePending()
		close(e.flushed)
		return
	}
	level := entryLevel(&e)
	rec := slog.NewRecord(e.start, level, "request", 0)
	rec.AddAttrs(
		slog.String(RequestIDKey, e.id),
		slog.String("remote", e.remote),
		slog.String("method", e.method),
		slog.String("path", e.path),
		slog.String("query", e.query),
		slog.String("proto", e.proto),
		slog.Int("status", e.status),
		slog.Int64("bytes", e.bytes),
		slog.Float64("duration", e.duration.Seconds()),
		slog.String("user_agent", e.agent),
		slog.String("route", e.route),
	)
	if e.client != "" {
		rec.AddAttrs(slog.String("client", e.client))
	}
	if e.aborted != "" {
		rec.AddAttrs(slog.String("aborted", e.aborted), slog.Int64("sent", e.sent))
	}
	if e.rejected != "" {
		rec.AddAttrs(slog.String("rejected", e.rejected))
	}
	ctx := context.Background()
	if a.logger.Enabled(ctx, level) {
		_ = a.logger.Handler().Handle(ctx, rec)
	}
}

// Reopen reopens the access log's File (see [LogFile.Reopen]), for log
// rotation; it does nothing when the log has no File or is nil.
func (a *AccessLog) Reopen() error {
	if a == nil || a.file == nil {
		return nil
	}
	return a.file.Reopen()
}

// Dropped returns how many records were dropped because the queue was full
// or the log closed.
func (a *AccessLog) Dropped() uint64 { return a.dropped.Load() }

// Flush waits until every record queued before the call is written, or ctx
// ends.
func (a *AccessLog) Flush(ctx context.Context) error {
	if a.closed.Load() {
		return ErrAccessLogClosed
	}
	mark := logEntry{flushed: make(chan struct{})}
	select {
	case a.queue <- mark:
	case <-ctx.Done():
		return ctx.Err()
	case <-a.done:
		return ErrAccessLogClosed
	}
	select {
	case <-mark.flushed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-a.done:
		return nil
	}
}

// Close writes the queued records, stops the background goroutine and
// closes the File, if any. Records of requests finishing later are dropped
// and counted.
func (a *AccessLog) Close() error {
	var err error
	a.once.Do(func() {
		a.closed.Store(true)
		close(a.stop)
		<-a.done
		if a.file != nil {
			err = a.file.Close()
		}
	})
	<-a.done
	return err
}
