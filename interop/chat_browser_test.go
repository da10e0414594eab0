package interop

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/examples/chat/room"
)

// TestChatInChromium opens examples/chat's page in two tabs of headless
// Chromium, as alice and bob: alice types a message and bob's page shows
// it. Over ws:// (HTTP/1.1) and over wss:// on HTTP/2, where the server
// must see the WebSockets arrive as extended CONNECT. Skipped when
// chromium is not installed.
func TestChatInChromium(t *testing.T) {
	bc := newBrowserCert(t)
	browser := headlessChromium(t, bc)
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	// newTab opens a tab, closed when the subtest ends. Its first action
	// creates it and runs without a timeout, as the browser's did.
	newTab := func(t *testing.T) context.Context {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatalf("new tab: %v", err)
		}
		return ctx
	}
	for _, tls := range []bool{false, true} {
		name := map[bool]string{false: "ws http1.1", true: "wss h2"}[tls]
		t.Run(name, func(t *testing.T) {
			rm := room.New(room.Options{})
			var mu sync.Mutex
			var seen []string
			h := httpserver.HandlerFunc(func(w httpserver.ResponseWriter, r *httpserver.Request) {
				if r.Path == "/ws" {
					mu.Lock()
					seen = append(seen, r.Method+" "+r.Proto+" "+r.Protocol)
					mu.Unlock()
				}
				rm.Handler().ServeHTTP(w, r)
			})
			var base string
			if tls {
				base = serveTLS(t, h, bc, false)
			} else {
				base = serveChat(t, h)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				rm.Shutdown(ctx)
			})
			tctx, cancel := context.WithTimeout(newTab(t), 60*time.Second)
			defer cancel()
			bctx, bcancel := context.WithTimeout(newTab(t), 60*time.Second)
			defer bcancel()
			text := func(ctx context.Context, id string) string {
				s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('`+id+`').textContent`))
				return s
			}
			waitLog := func(ctx context.Context, who, want string) {
				t.Helper()
				var err error
				for range 3 {
					_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('log').textContent.includes(`+jsString(want)+`)`,
						chromedp.WithPollingTimeout(20*time.Second)))
					if err == nil || !strings.Contains(err.Error(), "Cannot find context") {
						break
					}
					// The page's script context was replaced by the
					// navigation under the poll: poll again.
				}
				if err != nil {
					t.Fatalf("%s's page never showed %q: %v (status %q, log %q)", who, want, err, text(ctx, "status"), text(ctx, "log"))
				}
			}
			if err := chromedp.Do(tctx, chromedp.Navigate(base+"/?name=alice")); err != nil {
				t.Fatal(err)
			}
			waitLog(tctx, "alice", "alice joined")
			if err := chromedp.Do(bctx, chromedp.Navigate(base+"/?name=bob")); err != nil {
				t.Fatal(err)
			}
			waitLog(bctx, "bob", "bob joined")
			waitLog(tctx, "alice", "bob joined")
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`document.getElementById('text').value = 'hello bob';
document.getElementById('form').requestSubmit(); true`)); err != nil {
				t.Fatal(err)
			}
			waitLog(bctx, "bob", "alice: hello bob")
			mu.Lock()
			defer mu.Unlock()
			want := "GET HTTP/1.1 "
			if tls {
				want = "CONNECT HTTP/2.0 websocket"
			}
			if len(seen) != 2 || seen[0] != want || seen[1] != want {
				t.Fatalf("WebSocket handshakes %q, want two %q", seen, want)
			}
			t.Logf("%s: bob saw alice's message; handshakes %q", name, seen)
		})
	}
}

// serveChat serves h over plain HTTP on a loopback port until the test
// ends.
func serveChat(t *testing.T, h httpserver.Handler) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: h, Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + l.Addr().String()
}

// jsString quotes s as a JavaScript string literal (s holds no quote or
// backslash).
func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", "") + "'" }
