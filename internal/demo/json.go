package demo

import (
	"bytes"
	"encoding/json"

	"github.com/rawsock/httpserver"
)

// writeJSON sends v as a JSON response with the given status. The body is
// encoded before the header is written, so an encoding failure can still
// answer 500.
func writeJSON(w httpserver.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		httpserver.Error(w, httpserver.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
