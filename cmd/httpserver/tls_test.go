package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeCertPair writes a new self-signed certificate for names into
// dir/base.pem and its key into dir/base-key.pem (through renames, as a
// certificate manager would) and returns the certificate.
func writeCertPair(t *testing.T, dir, base string, names ...string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	writeFile(t, filepath.Join(dir, base+"-key.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
	writeFile(t, filepath.Join(dir, base+".pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	leaf, _ := x509.ParseCertificate(der)
	return leaf
}

// servedCert makes a TLS handshake with serverName and returns the leaf
// certificate the server sent (not verified: the tests compare it).
func servedCert(t *testing.T, addr, serverName string) *x509.Certificate {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: wait}, "tcp", addr, &tls.Config{ServerName: serverName, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("handshake with %q: %v", serverName, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

// tlsClient is a net/http client trusting the PEM certificates at files.
func tlsClient(t *testing.T, files ...string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !pool.AppendCertsFromPEM(b) {
			t.Fatalf("trusting %s: %v", f, err)
		}
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: wait,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// logField returns a string field of a JSON log line.
func logField(t *testing.T, line, key string) string {
	t.Helper()
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatalf("log line %q: %v", line, err)
	}
	s, _ := rec[key].(string)
	return s
}

// TestTLSServes: with --tls-cert the binary serves HTTPS on every engine
// to curl --cacert and to Go's client, with HSTS; --redirect-addr
// answers 308 to the https URL and serves /health, without HSTS.
func TestTLSServes(t *testing.T) {
	curl, curlErr := exec.LookPath("curl")
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			writeCertPair(t, dir, "site", "localhost", "127.0.0.1")
			cert, key := filepath.Join(dir, "site.pem"), filepath.Join(dir, "site-key.pem")
			f := startFamily(t, binary(t), nil, "--addr", "127.0.0.1:0", "--engine", engine, "--tls-cert", cert, "--tls-key", key, "--redirect-addr", "127.0.0.1:0")
			redirectAddr := logField(t, f.await(t, 1, "redirect listener"), "addr")
			addr := listeningAddr(f.await(t, 1, `"msg":"listening"`, `"tls":true`))
			_, port, _ := net.SplitHostPort(addr)
			base := "https://localhost:" + port

			cl := tlsClient(t, cert)
			for range 2 { // the second on the kept-alive connection
				code, hdr, body := get(t, cl, base+"/api/echo?a=1")
				if code != 200 || !strings.Contains(body, `"proto":"HTTP/1.1"`) || hdr.Get("Strict-Transport-Security") != "max-age=31536000" {
					t.Errorf("GET over TLS: %d HSTS %q %q", code, hdr.Get("Strict-Transport-Security"), body)
				}
			}

			if curlErr != nil {
				t.Log("curl not installed: skipping curl --cacert")
			} else {
				out, err := exec.Command(curl, "-sS", "--max-time", "10", "--fail", "--cacert", cert, "-D", "-", base+"/api/echo").Output()
				if err != nil || !strings.Contains(string(out), `"host":"localhost:`+port+`"`) || !strings.Contains(strings.ToLower(string(out)), "strict-transport-security: max-age=31536000") {
					t.Errorf("curl --cacert: %v\n%s", err, out)
				}
			}

			plain := newClient(t)
			plain.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			code, hdr, _ := get(t, plain, "http://"+redirectAddr+"/a/b%20c?x=1&y=2")
			rhost, _, _ := net.SplitHostPort(redirectAddr)
			if want := "https://" + net.JoinHostPort(rhost, port) + "/a/b%20c?x=1&y=2"; code != 308 || hdr.Get("Location") != want {
				t.Errorf("redirect: %d Location %q, want 308 %q", code, hdr.Get("Location"), want)
			}
			for _, p := range []string{"/health", "/health/ready"} {
				code, hdr, body := get(t, plain, "http://"+redirectAddr+p)
				if code != 200 || !strings.Contains(body, `"status":"ok"`) && p == "/health" || hdr.Get("Strict-Transport-Security") != "" {
					t.Errorf("GET %s on the redirect listener: %d %q HSTS %q", p, code, body, hdr.Get("Strict-Transport-Security"))
				}
			}
		})
	}
}

// TestTLSSNIChoosesCertificate: tls_certificates serves each server name
// its own certificate, and tls_cert's to a name no certificate has.
func TestTLSSNIChoosesCertificate(t *testing.T) {
	dir := t.TempDir()
	a := writeCertPair(t, dir, "a", "a.example")
	b := writeCertPair(t, dir, "b", "b.example", "*.b.example")
	cfg := filepath.Join(dir, "httpserver.yaml")
	writeFile(t, cfg, "tls_cert: a.pem\ntls_key: a-key.pem\ntls_certificates:\n  - cert: b.pem\n    key: b-key.pem\n")
	f := startFamily(t, binary(t), nil, "--addr", "127.0.0.1:0", "--config", cfg)
	addr := listeningAddr(f.await(t, 1, `"msg":"listening"`))
	for _, tt := range []struct {
		name string
		want *x509.Certificate
	}{{"a.example", a}, {"b.example", b}, {"www.b.example", b}, {"other.example", a}, {"", a}} {
		if got := servedCert(t, addr, tt.name); got.SerialNumber.Cmp(tt.want.SerialNumber) != 0 {
			t.Errorf("server name %q: got the certificate of %v, want %v", tt.name, got.DNSNames, tt.want.DNSNames)
		}
	}
}

// TestTLSCertificateReload: replaced certificate files are served to new
// handshakes without SIGHUP, a SIGHUP takes new file names from the
// configuration, a broken replacement keeps the certificate in force
// with one error line, and a keep-alive connection opened before all
// this serves on.
func TestTLSCertificateReload(t *testing.T) {
	dir := t.TempDir()
	first := writeCertPair(t, dir, "site", "localhost")
	cfg := filepath.Join(dir, "httpserver.yaml")
	writeFile(t, cfg, "tls_cert: site.pem\ntls_key: site-key.pem\n")
	f := startFamily(t, binary(t), nil, "--addr", "127.0.0.1:0", "--config", cfg)
	addr := listeningAddr(f.await(t, 1, `"msg":"listening"`))
	serial := func() string { return servedCert(t, addr, "localhost").SerialNumber.String() }
	if got := serial(); got != first.SerialNumber.String() {
		t.Fatalf("serves serial %s, want %s", got, first.SerialNumber)
	}

	// A keep-alive connection made now, with one request answered.
	kc, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "localhost", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	kc.SetDeadline(time.Now().Add(4 * wait))
	br := bufio.NewReader(kc)
	ask := func(what string) {
		t.Helper()
		io.WriteString(kc, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: keep-alive connection: %v", what, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: keep-alive connection: %d", what, res.StatusCode)
		}
	}
	ask("before")

	second := writeCertPair(t, dir, "site", "localhost")
	f.await(t, 1, "tls: certificates reloaded", `"reason":"files changed"`, second.SerialNumber.String())
	if got := serial(); got != second.SerialNumber.String() {
		t.Errorf("after the files changed: serial %s, want %s", got, second.SerialNumber)
	}
	ask("after the files changed")

	third := writeCertPair(t, dir, "other", "localhost")
	writeFile(t, cfg, "tls_cert: other.pem\ntls_key: other-key.pem\n")
	f.cmd.Process.Signal(syscall.SIGHUP)
	f.await(t, 1, "tls: certificates reloaded", `"reason":"SIGHUP"`, third.SerialNumber.String())
	if got := serial(); got != third.SerialNumber.String() {
		t.Errorf("after SIGHUP: serial %s, want %s", got, third.SerialNumber)
	}
	ask("after SIGHUP")

	writeFile(t, filepath.Join(dir, "other.pem"), "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
	f.await(t, 1, "tls: certificates not reloaded; the ones in force stay")
	if got := serial(); got != third.SerialNumber.String() {
		t.Errorf("after a broken replacement: serial %s, want %s still", got, third.SerialNumber)
	}
	ask("after a broken replacement")
	time.Sleep(3 * time.Second) // more polls: the broken file is reported once
	if n := f.count("tls: certificates not reloaded"); n != 1 {
		t.Errorf("%d error lines for one broken replacement, want 1:\n%s", n, f)
	}
}

// TestTLSSelfSigned: --tls-self-signed serves a certificate for
// localhost, 127.0.0.1 and ::1 whose fingerprint is the one logged, and
// sends no HSTS.
func TestTLSSelfSigned(t *testing.T) {
	f := startFamily(t, binary(t), nil, "--addr", "127.0.0.1:0", "--tls-self-signed")
	logged := logField(t, f.await(t, 1, "tls: self-signed certificate"), "sha256")
	addr := listeningAddr(f.await(t, 1, `"msg":"listening"`))
	leaf := servedCert(t, addr, "localhost")
	if got := fingerprint(leaf); got != logged || len(logged) != 95 {
		t.Errorf("served fingerprint %s, logged %s", got, logged)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("not valid for %s: %v", name, err)
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	_, port, _ := net.SplitHostPort(addr)
	code, hdr, _ := get(t, &http.Client{Transport: tr, Timeout: wait}, "https://localhost:"+port+"/health")
	if code != 200 || hdr.Get("Strict-Transport-Security") != "" {
		t.Errorf("GET /health: %d, HSTS %q (want none for a development certificate)", code, hdr.Get("Strict-Transport-Security"))
	}
}

// TestTLSBadCertificateAtStart: a certificate that does not load stops
// the start with one line naming the key, exit status 2.
func TestTLSBadCertificateAtStart(t *testing.T) {
	dir := t.TempDir()
	writeCertPair(t, dir, "a", "localhost")
	writeCertPair(t, dir, "b", "localhost")
	cmd := exec.Command(binary(t), "--addr", "127.0.0.1:0", "--tls-cert", filepath.Join(dir, "a.pem"), "--tls-key", filepath.Join(dir, "b-key.pem"))
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || strings.Count(string(out), "\n") != 1 || !strings.HasPrefix(string(out), "httpserver: flag --tls-cert: cannot load certificate") {
		t.Errorf("exit %v, output %q", err, out)
	}
}

// TestTLSServesHTTP2: once HTTP/2 is connected, the binary negotiates h2
// by ALPN and /api/echo reports HTTP/2.0 to Go's client, on every engine.
// Until then ALPN offers http/1.1 only, and the test is skipped.
func TestTLSServesHTTP2(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			writeCertPair(t, dir, "site", "localhost")
			cert := filepath.Join(dir, "site.pem")
			f := startFamily(t, binary(t), nil, "--addr", "127.0.0.1:0", "--engine", engine, "--tls-cert", cert, "--tls-key", filepath.Join(dir, "site-key.pem"))
			addr := listeningAddr(f.await(t, 1, `"msg":"listening"`))
			c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "localhost", InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			proto := c.ConnectionState().NegotiatedProtocol
			c.Close()
			if proto != "h2" {
				t.Fatalf("ALPN chose %q, want h2", proto)
			}
			pool := x509.NewCertPool()
			b, _ := os.ReadFile(cert)
			pool.AppendCertsFromPEM(b)
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			_, port, _ := net.SplitHostPort(addr)
			code, _, body := get(t, &http.Client{Transport: tr, Timeout: wait}, "https://localhost:"+port+"/api/echo")
			if code != 200 || !strings.Contains(body, `"proto":"HTTP/2.0"`) {
				t.Errorf("GET /api/echo over h2: %d %q", code, body)
			}
		})
	}
}
