package demo

import (
	_ "embed"
	"html"
	"strings"

	"github.com/rawsock/httpserver"
)

//go:embed welcome.html
var welcomeHTML string

// welcomePage renders the welcome page for a version.
func welcomePage(version string) []byte {
	return []byte(strings.ReplaceAll(welcomeHTML, "{{version}}", html.EscapeString(version)))
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
