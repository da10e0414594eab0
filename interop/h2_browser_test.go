package interop

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestH2InChromium starts the real binary with --tls-self-signed, one per
// engine, and has headless Chromium fetch the welcome page and two
// sub-resources from each over HTTP/2. The browser trusts the certificates
// the honest way: by the SHA-256 of their public keys
// (--ignore-certificate-errors-spki-list), taken from the certificate each
// server presents, which the test first checks against the fingerprint
// the binary logs; one more instance of the binary, with its own new key,
// is refused. The protocol is checked on both sides: the browser's
// Resource Timing (nextHopProtocol "h2" for the navigation and each fetch)
// and the binary's access log (proto HTTP/2.0 for the browser's requests).
// The page's WebSocket is not checked here (TestWebSocketInChromium is
// about it). Skipped when chromium is not installed, unless
// HTTPSERVER_REQUIRE_BROWSER=1.
func TestH2InChromium(t *testing.T) {
	chromium(t)
	bin := buildBinary(t)
	type server struct {
		engine, addr string
		p            *binaryProc
	}
	var servers []server
	var spkis []string
	for _, engine := range []string{"goroutine", "pool", "epoll"} {
		p, listening := startBinary(t, bin, "--addr=127.0.0.1:0", "--tls-self-signed", "--engine="+engine)
		addr, _ := listening["addr"].(string)
		if listening["tls"] != true {
			t.Fatalf("%s: listening record: %v", engine, listening)
		}
		logged := p.record("tls: self-signed certificate, for development only")
		if logged == nil {
			t.Fatalf("%s: no self-signed certificate record; log:\n%s", engine, p.log())
		}
		leaf, proto := presentedCert(t, addr)
		if fp := certFingerprint(leaf); logged["sha256"] != fp || proto != "h2" {
			t.Fatalf("%s: the server presents %s with ALPN %q; the log says %v", engine, fp, proto, logged["sha256"])
		}
		spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
		spkis = append(spkis, base64.StdEncoding.EncodeToString(spki[:]))
		servers = append(servers, server{engine, addr, p})
	}

	ctx := newBrowser(t, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(spkis, ",")))
	// The first action starts the browser (no timeout on it).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	for _, srv := range servers {
		t.Run(srv.engine, func(t *testing.T) {
			checkH2Page(t, tctx, srv.addr)
			// The access log is complete once the binary has exited.
			srv.p.stop(t)
			served := map[string]string{}
			for _, r := range srv.p.matching(func(r map[string]any) bool {
				ua, _ := r["user_agent"].(string)
				return r["msg"] == "request" && strings.Contains(ua, "Chrome")
			}) {
				served[fmt.Sprint(r["method"], " ", r["path"])] = fmt.Sprint(r["proto"], " ", r["status"])
			}
			// /health is logged only when it fails (docs/configuration.md).
			for _, req := range []string{"GET /", "POST /api/echo"} {
				if served[req] != "HTTP/2.0 200" {
					t.Errorf("access log: %s from chromium served as %q; all: %v\n%s", req, served[req], served, srv.p.log())
				}
			}
		})
	}

	// Another instance has another key: the same browser refuses it.
	other, otherListening := startBinary(t, bin, "--addr=127.0.0.1:0", "--tls-self-signed", "--access-log=false")
	otherURL := fmt.Sprintf("https://%s/", otherListening["addr"])
	if _, err := chromedp.Run(tctx, chromedp.Navigate(otherURL)); err == nil || !strings.Contains(err.Error(), "ERR_CERT") {
		t.Errorf("navigate to %s with a key not in the list: %v, want a certificate error", otherURL, err)
	}
	other.stop(t)
}

// checkH2Page navigates to the welcome page at addr, fetches /health and
// POSTs to /api/echo from it, and checks that all three went over h2.
func checkH2Page(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	base := "https://" + addr
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("navigate to %s/: %v", base, err)
	}
	// Resource Timing entries of a fetch are added once its body is read;
	// the script waits for them (at most 5 s).
	const script = `(async () => {
  const entry = async (url) => {
    for (let i = 0; i < 100; i++) {
      const e = performance.getEntriesByName(url)[0];
      if (e) return e.nextHopProtocol;
      await new Promise((r) => setTimeout(r, 50));
    }
    return 'no entry';
  };
  const health = await fetch('/health');
  const healthBody = await health.json();
  const echo = await fetch('/api/echo?from=chromium', {method: 'POST', body: 'hello over h2'});
  const echoBody = await echo.json();
  return JSON.stringify({
    navigation: performance.getEntriesByType('navigation')[0].nextHopProtocol,
    heading: document.querySelector('h1').textContent,
    healthStatus: health.status, health: healthBody.status, healthProtocol: await entry(health.url),
    echoStatus: echo.status, echoProto: echoBody.proto, echoBody: echoBody.body, echoProtocol: await entry(echo.url),
  });
})()`
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("script: %v", err)
	}
	var got struct {
		Navigation, Heading               string
		HealthStatus                      int
		Health, HealthProtocol            string
		EchoStatus                        int
		EchoProto, EchoBody, EchoProtocol string
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("script result %q: %v", raw, err)
	}
	t.Logf("chromium: %s", raw)
	if got.Navigation != "h2" || got.Heading != "It works." {
		t.Errorf("welcome page: protocol %q, heading %q", got.Navigation, got.Heading)
	}
	if got.HealthStatus != 200 || got.Health != "ok" || got.HealthProtocol != "h2" {
		t.Errorf("fetch /health: %d %q over %q", got.HealthStatus, got.Health, got.HealthProtocol)
	}
	if got.EchoStatus != 200 || got.EchoProto != "HTTP/2.0" || got.EchoBody != "hello over h2" || got.EchoProtocol != "h2" {
		t.Errorf("fetch POST /api/echo: %d, proto %q, body %q, over %q", got.EchoStatus, got.EchoProto, got.EchoBody, got.EchoProtocol)
	}
}

// presentedCert makes a TLS handshake offering h2 and returns the leaf
// certificate the server presents (not verified: the caller compares it)
// and the protocol ALPN chose.
func presentedCert(t *testing.T, addr string) (*x509.Certificate, string) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr,
		&tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	defer c.Close()
	st := c.ConnectionState()
	return st.PeerCertificates[0], st.NegotiatedProtocol
}

// certFingerprint is the SHA-256 of the certificate in the form the
// binary logs ("AB:CD:...").
func certFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
