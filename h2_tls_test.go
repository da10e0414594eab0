package httpserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestH2HandOffAfterTLS exercises the seam the TLS side uses: a
// connection whose handshake negotiated "h2" by ALPN is handed over with
// conn.handOffToHTTP2 and the handshake's state, and its requests carry
// that state in Request.TLS. The handshake is made here, as the TLS side
// will make it.
func TestH2HandOffAfterTLS(t *testing.T) {
	cert := selfSignedCert(t)
	s := &Server{Logger: slog.New(slog.DiscardHandler), Handler: HandlerFunc(func(w ResponseWriter, r *Request) {
		if r.TLS == nil {
			w.WriteString("no TLS state")
			return
		}
		fmt.Fprintf(w, "%s %s", r.Proto, r.TLS.NegotiatedProtocol)
	})}
	s.init()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan error, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		tc := tls.Server(nc, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}})
		tc.SetDeadline(time.Now().Add(5 * time.Second))
		if err := tc.Handshake(); err != nil {
			served <- err
			return
		}
		tc.SetDeadline(time.Time{})
		st := tc.ConnectionState()
		if st.NegotiatedProtocol != "h2" {
			served <- fmt.Errorf("negotiated %q", st.NegotiatedProtocol)
			return
		}
		c := newConn(s, tc)
		s.trackConn(c, true)
		c.handOffToHTTP2(h2ServeOptions{tls: &st})
		c.closeAndForget() // what the goroutine serving c does next
		served <- nil
	}()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get("https://" + l.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if string(b) != "HTTP/2.0 h2" || resp.ProtoMajor != 2 {
		t.Fatalf("%s: %q", resp.Proto, b)
	}
	if n := s.Stats().Conns; n != 1 {
		t.Errorf("%d connections tracked, want the HTTP/2 one alone", n)
	}
	s.Close()
}

// selfSignedCert makes a certificate for 127.0.0.1.
func selfSignedCert(t *testing.T) tls.Certificate {
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
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
