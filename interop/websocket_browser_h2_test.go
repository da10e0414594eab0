package interop

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/websocket"
)

// browserCert is a self-signed certificate for 127.0.0.1 and the base64
// SHA-256 of its public key, which Chromium trusts when told with
// --ignore-certificate-errors-spki-list.
type browserCert struct {
	cert tls.Certificate
	spki string
}

func newBrowserCert(t testing.TB) browserCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pub)
	return browserCert{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, spki: base64.StdEncoding.EncodeToString(sum[:])}
}

// headlessChromium starts headless Chromium trusting bc and returns a
// context for its first tab, or skips the test when chromium is not
// installed (as TestWebSocketInChromium does) unless
// HTTPSERVER_REQUIRE_BROWSER=1.
func headlessChromium(t *testing.T, bc browserCert) context.Context {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("HTTPSERVER_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium not installed and HTTPSERVER_REQUIRE_BROWSER=1")
		}
		t.Skip("chromium not installed")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.Headless,
			chromedp.Flag("ignore-certificate-errors-spki-list", bc.spki))...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// wsRecorder is a test site: "/" a page, "/ws" a WebSocket echo with
// permessage-deflate. It records how each request arrived.
type wsRecorder struct {
	mu    sync.Mutex
	seen  []string // "GET / HTTP/2.0", "CONNECT /ws HTTP/2.0 websocket", ...
	group websocket.Group
}

func (s *wsRecorder) ServeHTTP(w httpserver.ResponseWriter, r *httpserver.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, strings.TrimSpace(r.Method+" "+r.Path+" "+r.Proto+" "+r.Protocol))
	s.mu.Unlock()
	if r.Path != "/ws" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>ws</title><p>page</p>"))
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{ReadLimit: 1 << 20, Group: &s.group})
	if err != nil {
		return
	}
	defer c.CloseNow()
	for {
		typ, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		if err := c.Write(r.Context(), typ, msg); err != nil {
			return
		}
	}
}

func (s *wsRecorder) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// serveTLS serves h over TLS on a loopback port with the certificate,
// offering protos by ALPN (and extended CONNECT over HTTP/2 unless
// noExt); the server stops when the test ends.
func serveTLS(t *testing.T, h httpserver.Handler, bc browserCert, noExt bool, protos ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: h, Logger: slog.New(slog.DiscardHandler),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{bc.cert}, NextProtos: protos},
		HTTP2:     httpserver.HTTP2Options{NoExtendedConnect: noExt}}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return "https://" + l.Addr().String()
}

// browserEchoScript opens a WebSocket to the page's origin (wss://) and
// checks the echo of a large compressible text and a binary message; it
// resolves to "ok " + the negotiated extensions.
const browserEchoScript = `new Promise((resolve) => {
  const ws = new WebSocket(location.origin.replace('https', 'wss') + '/ws');
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
      ws.onclose = (c) => resolve((same ? 'ok ' + ws.extensions : 'binary echo differs') + ' close ' + c.code + ' ' + c.wasClean);
      ws.close(1000, 'done');
    }
  };
  ws.onerror = () => resolve('error');
})`

// serverCloseScript opens a WebSocket that records how it closed in
// window.wsClosed ("code wasClean"); it resolves once open.
const serverCloseScript = `new Promise((resolve) => {
  window.wsClosed = '';
  const ws = new WebSocket(location.origin.replace('https', 'wss') + '/ws');
  ws.onopen = () => resolve(true);
  ws.onclose = (e) => { window.wsClosed = e.code + ' ' + e.wasClean; };
})`

// TestWebSocketInChromiumTLS runs Chromium's WebSocket over wss:// with
// permessage-deflate twice: on a server offering only HTTP/1.1 by ALPN
// (the handshake is a GET with Upgrade), and on one offering h2 too,
// where Chromium, having loaded the page over HTTP/2 and received
// SETTINGS_ENABLE_CONNECT_PROTOCOL, opens the WebSocket on that connection
// with an extended CONNECT (RFC 8441). The server's side says how each
// request arrived. Each closes once from the browser (1000) and once from
// the server (Group.Shutdown, 1001), both clean for the page. Skipped
// when chromium is not installed.
func TestWebSocketInChromiumTLS(t *testing.T) {
	tests := []struct {
		name   string
		protos []string
		noExt  bool   // HTTP2Options.NoExtendedConnect
		page   string // how the page request must arrive
		ws     string // how the WebSocket handshake must arrive
	}{
		{"http1.1", []string{"http/1.1"}, false, "GET / HTTP/1.1", "GET /ws HTTP/1.1"},
		{"h2", nil, false, "GET / HTTP/2.0", "CONNECT /ws HTTP/2.0 websocket"},
		// Without SETTINGS_ENABLE_CONNECT_PROTOCOL the browser opens
		// another connection, HTTP/1.1, for the WebSocket.
		{"h2 without extended CONNECT", nil, true, "GET / HTTP/2.0", "GET /ws HTTP/1.1"},
	}
	bc := newBrowserCert(t)
	ctx := headlessChromium(t, bc)
	// The first action starts the browser, which lives as long as the
	// context of that call: no timeout on it, a timeout on what follows.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	version, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	t.Logf("browser: %s", version)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &wsRecorder{}
			base := serveTLS(t, rec, bc, tt.noExt, tt.protos...)
			tctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.Navigate(base+"/")); err != nil {
				t.Fatalf("navigate: %v", err)
			}
			result, err := chromedp.Run(tctx, chromedp.Evaluate[string](browserEchoScript, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("chromium over %s: %s; requests %q", tt.name, result, rec.requests())
			if !strings.HasPrefix(result, "ok permessage-deflate") || !strings.HasSuffix(result, "close 1000 true") {
				t.Fatalf("echo in the browser: %q", result)
			}
			reqs := rec.requests()
			if len(reqs) == 0 || reqs[0] != tt.page {
				t.Errorf("page request %q, want %q", reqs, tt.page)
			}
			found := false
			for _, r := range reqs {
				found = found || r == tt.ws
			}
			if !found {
				t.Errorf("requests %q: no %q", reqs, tt.ws)
			}
			// The server's close: Group.Shutdown sends 1001 and, once the
			// browser answered, ends the stream (or connection); the page
			// must see a clean close.
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](serverCloseScript, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatalf("opening the WebSocket to close: %v", err)
			}
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			if err := rec.group.Shutdown(sctx); err != nil {
				t.Fatalf("Group.Shutdown: %v", err)
			}
			closed, err := chromedp.Run(tctx, chromedp.Poll[string](`window.wsClosed`, chromedp.WithPollingTimeout(10*time.Second)))
			if err != nil || closed != "1001 true" {
				t.Fatalf("the page saw the server's close as %q (%v), want 1001 true", closed, err)
			}
			// Leave the page so the browser drops the connection before
			// the server stops.
			chromedp.Do(tctx, chromedp.Navigate("about:blank"))
		})
	}
}
