package demo

import (
	_ "embed"
	"html"
	"strings"

	"github.com/rawsock/httpserver"
)

//go:embed welcome.html
var welcomeHTML string

// welcomePage renders the welcome page for a version and the host:port
// of its curl example.
func welcomePage(version, addr string) []byte {
	if addr == "" {
		addr = "localhost:8080"
	}
	return []byte(strings.NewReplacer("{{version}}", html.EscapeString(version), "{{addr}}", html.EscapeString(addr)).Replace(welcomeHTML))
}

// serveWelcome answers GET and HEAD / with the welcome page.
func (h *handler) serveWelcome(w httpserver.ResponseWriter, r *httpserver.Request) {
	if allowOnlyGetHead(w, r) {
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.Write(h.welcome)
}
