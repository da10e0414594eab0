package interop

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/demo"
)

// TestWebSocketInChromium loads the binary's welcome page in headless
// Chromium: the page's own script opens /api/ws with the browser's
// WebSocket (which offers permessage-deflate) and shows the echo; then a
// script sends a large compressible text and a binary message and checks
// their echoes. Skipped when chromium is not installed, unless
// HTTPSERVER_REQUIRE_BROWSER=1.
func TestWebSocketInChromium(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: demo.Handler(demo.Options{Demo: true}), Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	defer func() { srv.Close(); <-done }()
	base := "http://" + l.Addr().String()

	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()
	text := func(id string) string {
		s, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById('`+id+`').textContent`))
		return s
	}
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.getElementById('ws-log').textContent.includes('echo: hello from the browser')`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("welcome page: %v (status %q, log %q)", err, text("ws-status"), text("ws-log"))
	}
	if status := text("ws-status"); !strings.Contains(status, "permessage-deflate") {
		t.Errorf("the browser's connection did not negotiate compression: %q", status)
	}

	const script = `new Promise((resolve) => {
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/api/ws');
  ws.binaryType = 'arraybuffer';
  const text = 'browser text '.repeat(40000);
  const bin = new Uint8Array(300000).map((_, i) => (i * 7) & 255);
  let step = 0;
  ws.onopen = () => ws.send(text);
  ws.onmessage = (e) => {
    if (step === 0) {
      if (e.data !== text) { resolve('text echo differs'); return; }
      step = 1;
      ws.send(bin);
    } else {
      const got = new Uint8Array(e.data);
      const same = got.length === bin.length && got.every((v, i) => v === bin[i]);
      ws.close(1000, 'done');
      resolve(same ? 'ok ' + ws.extensions : 'binary echo differs');
    }
  };
  ws.onerror = () => resolve('error');
})`
	result, err := chromedp.Run(tctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(result, "ok permessage-deflate") {
		t.Fatalf("large messages from the browser: %q", result)
	}
	t.Logf("chromium: %s", result)
}
