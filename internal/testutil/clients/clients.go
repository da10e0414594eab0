// Package clients holds HTTP clients for tests, built on net/http, which
// serves as an independent client here: no package on the server path may
// import it (see internal/syntax's import-graph test).
package clients

import (
	"net/http"
	"testing"
	"time"
)

// H2C returns a net/http client that speaks HTTP/2 with prior knowledge
// over cleartext (Transport.Protocols, Go 1.24), whose connections close
// when the test ends.
func H2C(t testing.TB) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}
