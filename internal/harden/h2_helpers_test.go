package harden

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/http2"
	"github.com/rawsock/httpserver/internal/http2/hpack"
	"github.com/rawsock/httpserver/internal/testserver"
)

// The HTTP/2 half of the suite runs every test over cleartext with prior
// knowledge (h2c) and over TLS with "h2" negotiated by ALPN, on every
// engine. Attack clients speak frames (internal/http2's frame writer and
// HPACK encoder); fresh clients, which measure whether the server stays
// responsive, are net/http's.

// h2Mode is how a client reaches HTTP/2.
type h2Mode string

const (
	h2c   h2Mode = "h2c"
	h2TLS h2Mode = "tls"
)

// forEachH2 runs fn once per engine and mode, as subtests: h2c on every
// engine; TLS on every engine in the long form, and on tlsEngine only in
// the short form, to keep the CI's time (each test names another engine,
// so that CI covers TLS on each), or on the one engine
// HTTPSERVER_TEST_ENGINE names.
func forEachH2(t *testing.T, tlsEngine httpserver.Engine, fn func(t *testing.T, e httpserver.Engine, m h2Mode)) {
	forEachEngine(t, func(t *testing.T, e httpserver.Engine) {
		for _, m := range []h2Mode{h2c, h2TLS} {
			if m == h2TLS && !long() && e != tlsEngine && os.Getenv(testserver.EnvEngine) == "" {
				continue
			}
			t.Run(string(m), func(t *testing.T) { fn(t, e, m) })
		}
	})
}

var (
	certOnce sync.Once
	certTLS  tls.Certificate
	certPool *x509.CertPool
)

// testCert returns a self-signed certificate for 127.0.0.1, made once.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "harden"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		leaf, _ := x509.ParseCertificate(der)
		certTLS = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
		certPool = x509.NewCertPool()
		certPool.AddCert(leaf)
	})
	return certTLS, certPool
}

// startH2 serves h in process with engine e and HTTP/2 in mode m (h2c on,
// or ServeTLS with a test certificate) until the test ends.
func startH2(t *testing.T, e httpserver.Engine, m h2Mode, h httpserver.Handler, configure ...func(*httpserver.Server)) (string, *httpserver.Server) {
	t.Helper()
	if m == h2c {
		return startLib(t, e, h, append([]func(*httpserver.Server){func(s *httpserver.Server) {
			s.Logger = quietLogger()
			s.HTTP2.H2C = true
		}}, configure...)...)
	}
	cert, _ := testCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: h, Engine: e, Logger: quietLogger(), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	for _, f := range configure {
		f(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, httpserver.ErrServerClosed) {
			t.Errorf("ServeTLS returned %v", err)
		}
	})
	return ln.Addr().String(), srv
}

// dialH2 opens a connection on which to speak HTTP/2 in mode m: TCP for
// h2c, TLS with ALPN "h2" (checked) otherwise. Nothing is sent yet.
// recvBuf, when positive, shrinks the socket's receive buffer first.
func dialH2(t *testing.T, addr string, m h2Mode, recvBuf int) (net.Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if recvBuf > 0 {
		nc.(*net.TCPConn).SetReadBuffer(recvBuf)
	}
	if m == h2c {
		return nc, nil
	}
	_, pool := testCert(t)
	tc := tls.Client(nc, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"h2"}})
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		nc.Close()
		return nil, err
	}
	tc.SetDeadline(time.Time{})
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		nc.Close()
		return nil, fmt.Errorf("ALPN negotiated %q, want h2", p)
	}
	return tc, nil
}

// h2Raw is a frame-level HTTP/2 client connection.
type h2Raw struct {
	nc  net.Conn
	fr  *http2.FrameReader
	enc *hpack.Encoder
}

// newH2Raw wraps nc; with preface, it sends the client preface and an
// empty SETTINGS frame.
func newH2Raw(nc net.Conn, preface bool) (*h2Raw, error) {
	c := &h2Raw{nc: nc, fr: http2.NewFrameReader(nc, 1<<24-1), enc: hpack.NewEncoder()}
	if preface {
		if _, err := nc.Write(append([]byte(http2.ClientPreface), http2.AppendSettings(nil)...)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// block encodes the field block of a request.
func (c *h2Raw) block(method, path string, extra ...string) []byte {
	fields := []hpack.HeaderField{
		{Name: ":method", Value: method}, {Name: ":scheme", Value: "https"},
		{Name: ":authority", Value: "127.0.0.1"}, {Name: ":path", Value: path},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		fields = append(fields, hpack.HeaderField{Name: extra[i], Value: extra[i+1]})
	}
	return c.enc.AppendBlock(nil, fields...)
}

// headers returns a HEADERS frame (END_HEADERS) opening stream id.
func (c *h2Raw) headers(id uint32, method, path string, endStream bool, extra ...string) []byte {
	return http2.AppendHeaders(nil, id, endStream, c.block(method, path, extra...), 16384)
}

// frame returns a frame of any type.
func frame(typ http2.FrameType, flags http2.Flags, stream uint32, payload []byte) []byte {
	b := http2.AppendFrameHeader(nil, http2.FrameHeader{Length: uint32(len(payload)), Type: typ, Flags: flags, StreamID: stream})
	return append(b, payload...)
}

// h2End is how a connection ended, as its client saw it.
type h2End struct {
	goAway bool
	code   http2.ErrCode
	err    error // the read error that ended it (io.EOF: closed)
}

func (e h2End) String() string {
	if e.goAway {
		return "GOAWAY " + e.code.String()
	}
	if errors.Is(e.err, io.EOF) {
		return "closed"
	}
	if isReset(e.err) {
		return "reset"
	}
	if isTimeout(e.err) {
		return "timeout"
	}
	return fmt.Sprintf("error %v", e.err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readUntilEnd reads frames until a GOAWAY, the connection's end or d
// passes, answering nothing; once stop (if not nil) is closed it waits
// 300 ms more at most.
func (c *h2Raw) readUntilEnd(d time.Duration, stop <-chan struct{}) h2End {
	c.nc.SetReadDeadline(time.Now().Add(d))
	if stop != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-stop:
				c.nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			case <-done:
			}
		}()
	}
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			return h2End{err: err}
		}
		if f.Type == http2.FrameGoAway {
			return h2End{goAway: true, code: f.ErrCode}
		}
	}
}

// h2Client returns a net/http client that speaks HTTP/2 in mode m and
// keeps no connection between requests when fresh is true.
func h2Client(t *testing.T, m h2Mode, fresh bool) *http.Client {
	var p http.Protocols
	tr := &http.Transport{Protocols: &p, DisableKeepAlives: fresh, MaxConnsPerHost: 0}
	if m == h2c {
		p.SetUnencryptedHTTP2(true)
	} else {
		p.SetHTTP2(true)
		_, pool := testCert(t)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// h2URL is the URL of path on addr in mode m.
func h2URL(m h2Mode, addr, path string) string {
	if m == h2c {
		return "http://" + addr + path
	}
	return "https://" + addr + path
}

// h2Probe measures GETs of path, each on a new HTTP/2 connection, from
// workers clients in a loop until stop is closed.
func h2Probe(t *testing.T, m h2Mode, addr, path string, workers int, stop <-chan struct{}) (lat []time.Duration, failures []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		c := h2Client(t, m, true)
		wg.Go(func() {
			for n := 0; n < 100000; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				res, err := c.Get(h2URL(m, addr, path))
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && (res.StatusCode != 200 || res.ProtoMajor != 2) {
						err = fmt.Errorf("%s %s", res.Proto, res.Status)
					}
				}
				d := time.Since(start)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
				c.Transport.(*http.Transport).CloseIdleConnections()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return lat, failures
}
