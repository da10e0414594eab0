package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rawsock/httpserver/middleware"
)

// CertFiles names a certificate (PEM, with its chain) and its private key
// (PEM).
type CertFiles struct {
	Cert string
	Key  string
}

// tlsSettings are the TLS keys: flags, HTTPSERVER_* variables and
// top-level YAML keys. The YAML file may list more certificates under
// tls_certificates.
var tlsSettings = []setting{
	{name: "tls-cert", arg: "PATH", usage: "serve HTTPS on --addr with this certificate (PEM, with its chain); reloaded when the file changes and on SIGHUP", set: func(c *Config, v string) (err error) {
		c.TLSCert, err = parsePath(v)
		return err
	}},
	{name: "tls-key", arg: "PATH", usage: "the private key (PEM) of --tls-cert", set: func(c *Config, v string) (err error) {
		c.TLSKey, err = parsePath(v)
		return err
	}},
	{name: "tls-self-signed", usage: "serve HTTPS on --addr with an in-memory self-signed certificate for localhost, 127.0.0.1 and ::1 (development; its SHA-256 fingerprint is logged)", set: func(c *Config, v string) (err error) {
		c.TLSSelfSigned, err = parseBool(v)
		return err
	}},
	{name: "redirect-addr", arg: "HOST:PORT", usage: "with TLS, also listen here for plain HTTP: answer 308 to the https:// URL, except /health and /health/ready (empty: no such listener)", set: func(c *Config, v string) error {
		if v == "" {
			c.RedirectAddr = ""
			return nil
		}
		var err error
		c.RedirectAddr, err = parseAddr(v)
		return err
	}},
}

func init() { settings = append(settings, tlsSettings...) }

// TLS reports whether the binary serves HTTPS on Addr.
func (c *Config) TLS() bool { return c.TLSCert != "" || len(c.TLSCertificates) > 0 || c.TLSSelfSigned }

// CertFiles lists the certificate files to serve: TLSCert first (the
// one served to clients that send no matching server name), then
// TLSCertificates.
func (c *Config) CertFiles() []CertFiles {
	var list []CertFiles
	if c.TLSCert != "" {
		list = append(list, CertFiles{Cert: c.TLSCert, Key: c.TLSKey})
	}
	return append(list, c.TLSCertificates...)
}

// certEntry is one entry of the YAML tls_certificates list.
type certEntry struct {
	Cert yaml.Node `yaml:"cert"`
	Key  yaml.Node `yaml:"key"`
}

// parseCertList validates the YAML tls_certificates list; relative paths
// are taken relative to the file's directory.
func parseCertList(list []certEntry, file, base string) ([]CertFiles, error) {
	out := make([]CertFiles, 0, len(list))
	for i := range list {
		var pair [2]string
		for j, f := range []struct {
			name string
			n    *yaml.Node
		}{{"cert", &list[i].Cert}, {"key", &list[i].Key}} {
			if f.n.Kind == 0 {
				return nil, &Error{Source: "config", Key: fmt.Sprintf("tls_certificates[%d]", i), Problem: f.name + " is required", File: file}
			}
			v, err := scalar(f.n)
			if err == nil {
				v, err = parsePath(v)
			}
			if err != nil {
				return nil, &Error{Source: "config", Key: fmt.Sprintf("tls_certificates[%d].%s", i, f.name), Problem: err.Error(), File: file, Line: f.n.Line}
			}
			pair[j] = relativeTo(base, v)
		}
		out = append(out, CertFiles{Cert: pair[0], Key: pair[1]})
	}
	return out, nil
}

// checkTLS rejects TLS settings that cannot work together and
// certificates that cannot be loaded, naming the key.
func checkTLS(c *Config, origin map[string]*Error) error {
	fail := func(name, problem string) error {
		e := *origin[name]
		e.Problem = problem
		return &e
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		return fail("tls-cert", "set without tls-key")
	case c.TLSKey != "" && c.TLSCert == "":
		return fail("tls-key", "set without tls-cert")
	case c.TLSSelfSigned && (c.TLSCert != "" || len(c.TLSCertificates) > 0):
		return fail("tls-self-signed", "set with certificates (tls-cert or tls_certificates): choose one")
	case c.TLSSelfSigned && c.Workers > 1:
		// Each worker would make a certificate of its own.
		return fail("tls-self-signed", fmt.Sprintf("cannot be used with workers (%d): each worker would serve a different certificate", c.Workers))
	case c.RedirectAddr != "" && !c.TLS():
		return fail("redirect-addr", "set while TLS is off (no tls-cert, tls_certificates or tls-self-signed)")
	case c.RedirectAddr != "" && sameListenAddr(c.RedirectAddr, c.Addr):
		return fail("redirect-addr", fmt.Sprintf("address %q is the serving address (addr %q)", c.RedirectAddr, c.Addr))
	}
	for i, p := range c.CertFiles() {
		if _, err := LoadCertificate(p); err != nil {
			if i == 0 && c.TLSCert != "" {
				return fail("tls-cert", err.Error())
			}
			if c.TLSCert != "" {
				i--
			}
			return &Error{Source: "config", Key: fmt.Sprintf("tls_certificates[%d]", i), Problem: err.Error(), File: c.File}
		}
	}
	return nil
}

// LoadCertificate reads a certificate and its key, checking that they
// match; the result has its Leaf parsed.
func LoadCertificate(p CertFiles) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(p.Cert, p.Key)
	if err != nil {
		return nil, fmt.Errorf("cannot load certificate %q with key %q: %v", p.Cert, p.Key, err)
	}
	if cert.Leaf == nil { // GODEBUG=x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("cannot parse certificate %q: %v", p.Cert, err)
		}
	}
	return &cert, nil
}

// HSTSMaxAge is the max-age of the Strict-Transport-Security field the
// binary sends over TLS: one year, as browsers' preload lists ask.
const HSTSMaxAge = 365 * 24 * time.Hour

// hstsOnly configures the security-headers middleware for HSTS on TLS
// responses (it adds X-Content-Type-Options: nosniff, which it always
// sends), leaving Referrer-Policy and X-Frame-Options out. A self-signed
// development certificate gets no HSTS: it would hold the browser to
// HTTPS on every port of localhost for a year.
func hstsOnly() *middleware.SecurityHeadersOptions {
	return &middleware.SecurityHeadersOptions{HSTSMaxAge: HSTSMaxAge, ReferrerPolicy: "-", FrameOptions: "-"}
}
