package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rawsock/httpserver/internal/config"
)

// certPollInterval is how often the certificate files are checked for
// changes.
const certPollInterval = 2 * time.Second

// certStore holds the certificates the binary serves and picks one per
// handshake by the server name the client sends (SNI). It reads the
// files again when they change (polled) and on SIGHUP; a set that does
// not load leaves the one in force, with one error line.
type certStore struct {
	certs atomic.Pointer[[]*tls.Certificate]
	log   *slog.Logger

	mu     sync.Mutex // guards files and stamps; one reload at a time
	files  []config.CertFiles
	stamps []fileStamp

	stop chan struct{}
	done chan struct{}
}

// fileStamp is what tells that a file changed.
type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

// newCertStore loads the certificates of cfg, or makes the self-signed
// one, and starts watching the files; it returns nil when TLS is off.
func newCertStore(cfg *config.Config, log *slog.Logger) (*certStore, error) {
	if !cfg.TLS() {
		return nil, nil
	}
	s := &certStore{log: log, stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.TLSSelfSigned {
		cert, err := selfSignedCert(time.Now())
		if err != nil {
			return nil, fmt.Errorf("httpserver: tls-self-signed: %v", err)
		}
		s.certs.Store(&[]*tls.Certificate{cert})
		log.Info("tls: self-signed certificate, for development only", "names", "localhost, 127.0.0.1, ::1",
			"sha256", fingerprint(cert.Leaf), "not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
		close(s.done)
		return s, nil
	}
	s.files = cfg.CertFiles()
	s.stamps = stampFiles(s.files)
	certs, err := loadCerts(s.files)
	if err != nil {
		return nil, err
	}
	s.certs.Store(&certs)
	go s.watch()
	return s, nil
}

// tlsConfig is the configuration the server starts from (ServeTLS adds
// the minimum version and ALPN).
func (s *certStore) tlsConfig() *tls.Config {
	return &tls.Config{GetCertificate: s.getCertificate}
}

// getCertificate picks the first certificate that suits the client's
// hello, its server name included, or else the first one.
func (s *certStore) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	certs := *s.certs.Load()
	if len(certs) > 1 {
		for _, c := range certs {
			if hello.SupportsCertificate(c) == nil {
				return c, nil
			}
		}
	}
	return certs[0], nil
}

// reload reads files (the configuration in force, after a SIGHUP) anew.
func (s *certStore) reload(files []config.CertFiles, why string) {
	if s == nil || len(files) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = files
	s.reloadLocked(why)
}

// reloadLocked loads s.files and makes them current, or keeps the
// certificates in force with one error line.
func (s *certStore) reloadLocked(why string) {
	s.stamps = stampFiles(s.files)
	certs, err := loadCerts(s.files)
	if err != nil {
		s.log.Error("tls: certificates not reloaded; the ones in force stay", "reason", why, "err", err.Error())
		return
	}
	s.certs.Store(&certs)
	s.log.Info("tls: certificates reloaded", "reason", why, "count", len(certs), "serial", certs[0].Leaf.SerialNumber.String())
}

// watch reloads the certificates when a file's modification time or size
// changes.
func (s *certStore) watch() {
	defer close(s.done)
	t := time.NewTicker(certPollInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if now := stampFiles(s.files); !sameStamps(now, s.stamps) {
			s.reloadLocked("files changed")
		}
		s.mu.Unlock()
	}
}

// close stops watching the files.
func (s *certStore) close() {
	if s == nil {
		return
	}
	select {
	case <-s.done:
	default:
		close(s.stop)
		<-s.done
	}
}

// loadCerts loads every pair; the first failure fails all.
func loadCerts(files []config.CertFiles) ([]*tls.Certificate, error) {
	certs := make([]*tls.Certificate, 0, len(files))
	for _, f := range files {
		c, err := config.LoadCertificate(f)
		if err != nil {
			return nil, fmt.Errorf("httpserver: tls: %v", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func stampFiles(files []config.CertFiles) []fileStamp {
	stamps := make([]fileStamp, 0, 2*len(files))
	for _, f := range files {
		for _, name := range []string{f.Cert, f.Key} {
			fi, err := os.Stat(name)
			if err != nil {
				stamps = append(stamps, fileStamp{})
				continue
			}
			stamps = append(stamps, fileStamp{fi.ModTime(), fi.Size(), true})
		}
	}
	return stamps
}

func sameStamps(a, b []fileStamp) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ok != b[i].ok || !a[i].mod.Equal(b[i].mod) || a[i].size != b[i].size {
			return false
		}
	}
	return true
}

// selfSignedValidity is how long the development certificate is valid.
const selfSignedValidity = 30 * 24 * time.Hour

// selfSignedCert makes an ECDSA P-256 certificate for localhost,
// 127.0.0.1 and ::1, in memory.
func selfSignedCert(now time.Time) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"httpserver development"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(selfSignedValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// fingerprint is the SHA-256 of a certificate's DER bytes, as
// "AB:CD:..." (the form of openssl x509 -fingerprint -sha256 and of
// browsers' certificate viewers).
func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	var b strings.Builder
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}
