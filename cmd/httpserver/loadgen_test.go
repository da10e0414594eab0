package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadGen drives requests at a server from several goroutines until
// stopped: keep-alive GETs and POSTs over a shared pool of connections,
// and GETs on a new connection each. It counts every outcome.
type loadGen struct {
	ok      atomic.Int64 // answered as expected
	failed  atomic.Int64 // an error or an unexpected answer
	refused atomic.Int64 // connections that could not be made
	retried atomic.Int64 // requests the client sent again on a new connection
	header  atomic.Int64 // answers carrying the watched header field

	watch string // a header field counted in header (may be empty)

	mu   sync.Mutex
	errs []string

	stop chan struct{}
	wg   sync.WaitGroup
	trs  []*http.Transport
}

// startLoad starts the load on addr, requesting path (GET) and
// /api/echo (POST). Answers to path must be 200; watch, when set, is a
// response field whose presence is counted.
func startLoad(t *testing.T, addr, path, watch string) *loadGen {
	t.Helper()
	g := &loadGen{watch: watch, stop: make(chan struct{})}
	dial := func(ctx context.Context, network, a string) (net.Conn, error) {
		c, err := (&net.Dialer{Timeout: wait}).DialContext(ctx, network, a)
		if err != nil {
			g.refused.Add(1)
		}
		return c, err
	}
	keepAlive := &http.Transport{DialContext: dial, MaxIdleConnsPerHost: 8}
	fresh := &http.Transport{DialContext: dial, DisableKeepAlives: true}
	g.trs = []*http.Transport{keepAlive, fresh}
	base := "http://" + addr
	deadline := time.Now().Add(3 * wait)
	run := func(tr *http.Transport, method string) {
		defer g.wg.Done()
		c := &http.Client{Transport: tr, Timeout: wait}
		for i := 0; time.Now().Before(deadline); i++ {
			select {
			case <-g.stop:
				return
			default:
			}
			g.one(c, base, path, method, i)
		}
	}
	for _, w := range []struct {
		tr     *http.Transport
		method string
	}{{keepAlive, "GET"}, {keepAlive, "GET"}, {keepAlive, "POST"}, {fresh, "GET"}, {fresh, "GET"}} {
		g.wg.Add(1)
		go run(w.tr, w.method)
	}
	t.Cleanup(g.end)
	return g
}

// one makes one request and counts its outcome.
func (g *loadGen) one(c *http.Client, base, path, method string, i int) {
	conns := 0
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{GetConn: func(string) { conns++ }})
	var req *http.Request
	body := fmt.Sprintf("request %d", i)
	if method == "POST" {
		req, _ = http.NewRequestWithContext(ctx, "POST", base+"/api/echo", strings.NewReader(body))
	} else {
		req, _ = http.NewRequestWithContext(ctx, "GET", base+path, nil)
	}
	resp, err := c.Do(req)
	if conns > 1 {
		g.retried.Add(1)
	}
	if err != nil {
		g.fail(fmt.Sprintf("%s: %v", method, err))
		return
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		g.fail(fmt.Sprintf("%s: reading body: %v", method, err))
	case resp.StatusCode != 200:
		g.fail(fmt.Sprintf("%s: status %d %.80q", method, resp.StatusCode, b))
	case method == "POST" && !strings.Contains(string(b), fmt.Sprintf(`"body":%q`, body)):
		g.fail(fmt.Sprintf("POST: wrong echo %.120q", b))
	default:
		if g.watch != "" && method == "GET" && resp.Header.Get(g.watch) != "" {
			g.header.Add(1)
		}
		g.ok.Add(1)
	}
}

func (g *loadGen) fail(msg string) {
	g.failed.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.errs) < 10 {
		g.errs = append(g.errs, msg)
	}
}

// awaitOK waits until n more requests than now have succeeded.
func (g *loadGen) awaitOK(t *testing.T, n int64) {
	t.Helper()
	target := g.ok.Load() + n
	deadline := time.Now().Add(wait)
	for g.ok.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("load stalled at %d requests (want %d); %s", g.ok.Load(), target, g)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// end stops the load and waits for its goroutines.
func (g *loadGen) end() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	g.wg.Wait()
	for _, tr := range g.trs {
		tr.CloseIdleConnections()
	}
}

// String reports the counts and the first errors.
func (g *loadGen) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return fmt.Sprintf("ok %d, failed %d, refused %d, retried by the client %d; errors: %q",
		g.ok.Load(), g.failed.Load(), g.refused.Load(), g.retried.Load(), g.errs)
}
