package demo

import (
	"io"

	"github.com/rawsock/httpserver"
)

// echoReport is the body of /api/echo: the request as the server parsed it.
type echoReport struct {
	Method     string              `json:"method"`
	Target     string              `json:"target"`
	Path       string              `json:"path"`
	Query      map[string][]string `json:"query"`
	Proto      string              `json:"proto"`
	Host       string              `json:"host"`
	Headers    map[string][]string `json:"headers"`
	Body       string              `json:"body"`
	BodyLength int                 `json:"body_length"`
	Trailers   map[string][]string `json:"trailers"`
}

// echo answers any method with a JSON description of the request. Header
// names are kept as received; bytes of the body that are not UTF-8 show as
// U+FFFD. The trailers are those of a chunked body, read after it ended.
func echo(w httpserver.ResponseWriter, r *httpserver.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		httpserver.Error(w, httpserver.StatusOf(err))
		return
	}
	rep := echoReport{
		Method:     r.Method,
		Target:     r.Target,
		Path:       r.Path,
		Query:      make(map[string][]string),
		Proto:      r.Proto,
		Host:       r.Host,
		Headers:    make(map[string][]string),
		Body:       string(body),
		BodyLength: len(body),
		Trailers:   make(map[string][]string),
	}
	for k, v := range r.Query().All() {
		rep.Query[k] = append(rep.Query[k], v)
	}
	for k, v := range r.Header.All() {
		rep.Headers[k] = append(rep.Headers[k], v)
	}
	for k, v := range r.Trailer.All() {
		rep.Trailers[k] = append(rep.Trailers[k], v)
	}
	writeJSON(w, httpserver.StatusOK, rep)
}
