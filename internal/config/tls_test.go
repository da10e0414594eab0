package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCertPair writes a self-signed certificate for name and its key
// into dir as name.pem and name-key.pem.
func writeCertPair(t *testing.T, dir, name string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return cert, key
}

// TestTLSSettings: the TLS keys load from every source, the YAML list
// resolves relative paths against the file, and contradictions fail
// with one line naming the key.
func TestTLSSettings(t *testing.T) {
	dir := t.TempDir()
	certA, keyA := writeCertPair(t, dir, "a.example")
	writeCertPair(t, dir, "b.example")
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o644)
	list := filepath.Join(dir, "list.yaml")
	os.WriteFile(list, []byte("tls_certificates:\n  - cert: b.example.pem\n    key: b.example-key.pem\n"), 0o644)

	c, err := Load([]string{"--tls-cert", certA, "--config", list}, env(map[string]string{"HTTPSERVER_TLS_KEY": keyA, "HTTPSERVER_REDIRECT_ADDR": "127.0.0.1:8081"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []CertFiles{{certA, keyA}, {filepath.Join(dir, "b.example.pem"), filepath.Join(dir, "b.example-key.pem")}}
	if got := c.CertFiles(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] || !c.TLS() || c.RedirectAddr != "127.0.0.1:8081" {
		t.Fatalf("certificates %v, TLS %v, redirect %q; want %v", got, c.TLS(), c.RedirectAddr, want)
	}
	if c, err := Load(nil, env(map[string]string{"HTTPSERVER_TLS_SELF_SIGNED": "true"})); err != nil || !c.TLS() || !c.TLSSelfSigned {
		t.Fatalf("self-signed: %v %+v", err, c)
	}

	bad := []struct {
		name string
		args []string
		yaml string
		want string
	}{
		{"cert without key", []string{"--tls-cert", certA}, "", "httpserver: flag --tls-cert: set without tls-key"},
		{"key without cert", []string{"--tls-key", keyA}, "", "httpserver: flag --tls-key: set without tls-cert"},
		{"self-signed with files", []string{"--tls-cert", certA, "--tls-key", keyA, "--tls-self-signed"}, "", "httpserver: flag --tls-self-signed: set with certificates"},
		{"self-signed with workers", []string{"--tls-self-signed", "--workers", "2"}, "", "httpserver: flag --tls-self-signed: cannot be used with workers (2)"},
		{"redirect without TLS", []string{"--redirect-addr", ":8081"}, "", "httpserver: flag --redirect-addr: set while TLS is off"},
		{"redirect on addr", []string{"--tls-self-signed", "--redirect-addr", ":8080"}, "", `httpserver: flag --redirect-addr: address ":8080" is the serving address`},
		{"bad redirect address", []string{"--redirect-addr", "nope"}, "", `httpserver: flag --redirect-addr: invalid address "nope"`},
		{"unloadable certificate", []string{"--tls-cert", garbage, "--tls-key", keyA}, "", `httpserver: flag --tls-cert: cannot load certificate "` + garbage + `"`},
		{"unloadable list entry", nil, "tls_certificates:\n  - cert: garbage.pem\n    key: a.example-key.pem\n", "httpserver: config: tls_certificates[0]: cannot load certificate"},
		{"list entry without key", nil, "tls_certificates:\n  - cert: a.example.pem\n", "httpserver: config: tls_certificates[0]: key is required"},
		{"unknown key in list entry", nil, "tls_certificates:\n  - cert: a.example.pem\n    key: a.example-key.pem\n    chain: x.pem\n", `httpserver: config: tls_certificates: unknown key "chain"`},
	}
	for _, tt := range bad {
		args := tt.args
		if tt.yaml != "" {
			f := filepath.Join(dir, "bad.yaml")
			os.WriteFile(f, []byte(tt.yaml), 0o644)
			args = append(args, "--config", f)
		}
		_, err := Load(args, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: Load = %v, want one line starting %q", tt.name, err, tt.want)
		}
	}
}

// TestReloadKeepsTLSMode: a reload reads certificate paths anew but keeps
// TLS on or off, the self-signed mode and the redirect listener.
func TestReloadKeepsTLSMode(t *testing.T) {
	old := Config{TLSCert: "a.pem", TLSKey: "a-key.pem", RedirectAddr: ":80"}
	c := Config{TLSCert: "b.pem", TLSKey: "b-key.pem", RedirectAddr: ":81"}
	if kept := c.KeepRestartOnly(&old); strings.Join(kept, ",") != "redirect-addr" || c.TLSCert != "b.pem" || c.RedirectAddr != ":80" {
		t.Errorf("kept %v, now %+v", kept, c)
	}
	off := Config{}
	if kept := off.KeepRestartOnly(&old); !strings.Contains(strings.Join(kept, ","), "tls-cert") || off.TLSCert != "a.pem" {
		t.Errorf("turning TLS off: kept %v, now %+v", kept, off)
	}
}

// TestLoadCertificateParsesLeaf: the loaded certificate has its leaf
// parsed even when crypto/tls leaves it out (GODEBUG=x509keypairleaf=0):
// the binary logs its serial and picks certificates by it.
func TestLoadCertificateParsesLeaf(t *testing.T) {
	t.Setenv("GODEBUG", "x509keypairleaf=0")
	cert, key := writeCertPair(t, t.TempDir(), "leaf.example")
	c, err := LoadCertificate(CertFiles{cert, key})
	if err != nil {
		t.Fatal(err)
	}
	if c.Leaf == nil || c.Leaf.Subject.CommonName != "leaf.example" {
		t.Fatalf("leaf %v", c.Leaf)
	}
}
