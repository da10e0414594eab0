package nethttp

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/rawsock/httpserver"
)

// ErrBadTarget is returned by [NewStdRequest] when the request-target cannot
// be parsed as a URL; [Wrap] answers 400 to such a request.
var ErrBadTarget = fmt.Errorf("nethttp: request-target is not a valid URL")

// NewStdRequest builds the *http.Request that [Wrap] hands to a net/http
// handler from a request of this server: method, URL (parsed from Target),
// protocol, canonicalised header, body, trailer, host, remote address and
// context. The :protocol of an HTTP/2 extended CONNECT (RFC 8441) is in
// Header[":protocol"], where net/http's server puts it.
//
// Every string of the result is a copy, safe to keep after the handler
// returns; the copies share a single allocation. As on net/http's server,
// the Host and Transfer-Encoding fields are moved out of Header (into Host
// and TransferEncoding), and for a chunked body the names announced by a
// "Trailer" field become the keys of Trailer, whose values are filled in
// once Body has been read to io.EOF.
func NewStdRequest(r *httpserver.Request) (*http.Request, error) {
	chunked := r.ContentLength < 0

	// One allocation holds every string the request needs.
	size := len(r.Target) + len(r.Host) + len(r.RemoteAddr) + len(r.Pattern) + len(r.Protocol)
	nfields := 0
	for name, value := range r.Header.All() {
		if keepField(name) {
			size += len(value)
			nfields++
		}
	}
	for name, value := range r.PathValues() {
		size += len(name) + len(value)
	}
	var sb strings.Builder
	sb.Grow(size)
	a := arena{sb: &sb}
	target := a.add(r.Target)
	host := a.add(r.Host)
	remote := a.add(r.RemoteAddr)
	pattern := a.add(r.Pattern)

	u, err := parseTarget(r.Method, target)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrBadTarget, r.Target)
	}

	req := new(http.Request).WithContext(r.Context())
	req.Method = internMethod(r.Method)
	req.URL = u
	req.Proto = internProto(r.Proto)
	req.ProtoMajor, req.ProtoMinor = r.ProtoMajor, r.ProtoMinor
	req.Host = host
	req.RemoteAddr = remote
	req.RequestURI = target
	req.Pattern = pattern
	req.Close = r.Close
	req.ContentLength = r.ContentLength
	req.Header = make(http.Header, nfields)

	vals := make([]string, nfields)
	i := 0
	for name, value := range r.Header.All() {
		if !keepField(name) {
			continue
		}
		key := canonicalKey(name)
		v := a.add(value)
		if prev, ok := req.Header[key]; ok {
			req.Header[key] = append(prev, v)
		} else {
			vals[i] = v
			req.Header[key] = vals[i : i+1 : i+1]
		}
		i++
	}
	for name, value := range r.PathValues() {
		req.SetPathValue(a.add(name), a.add(value))
	}
	if r.Protocol != "" {
		// An HTTP/2 extended CONNECT (RFC 8441 §4): net/http's server
		// hands its :protocol to handlers as this pseudo field.
		req.Header[":protocol"] = []string{a.add(r.Protocol)}
	}

	switch {
	case chunked:
		req.TransferEncoding = []string{"chunked"}
		req.Trailer = declaredTrailer(req.Header)
		req.Body = &stdBody{src: r.Body, from: r, to: req.Trailer}
	case r.ContentLength == 0:
		req.Body = http.NoBody
	default:
		req.Body = &stdBody{src: r.Body}
	}
	return req, nil
}

// keepField reports whether a request header field stays in the Header of
// the *http.Request: net/http moves Host and Transfer-Encoding to fields of
// their own.
func keepField(name string) bool {
	return !strings.EqualFold(name, "Host") && !strings.EqualFold(name, "Transfer-Encoding")
}

// parseTarget parses a request-target the way net/http's server does,
// including the authority-form of CONNECT.
func parseTarget(method, target string) (*url.URL, error) {
	if method == "CONNECT" && !strings.HasPrefix(target, "/") {
		u, err := url.ParseRequestURI("http://" + target)
		if err != nil {
			return nil, err
		}
		u.Scheme = ""
		return u, nil
	}
	return url.ParseRequestURI(target)
}

// declaredTrailer returns the trailer map of a chunked request: the names
// announced in the "Trailer" field, with no values yet, which net/http
// removes from Header. It is never nil, so that the values read later are
// visible through every shallow copy of the request.
func declaredTrailer(h http.Header) http.Header {
	t := make(http.Header)
	for _, v := range h["Trailer"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				t[canonicalKey(name)] = nil
			}
		}
	}
	delete(h, "Trailer")
	return t
}

// arena hands out substrings of one growing string builder; the builder
// was sized up front so the strings never move.
type arena struct{ sb *strings.Builder }

func (a arena) add(s string) string {
	if s == "" {
		return ""
	}
	start := a.sb.Len()
	a.sb.WriteString(s)
	return a.sb.String()[start:]
}

// stdBody is the Body of a converted request. It copies the trailer of the
// server's request into the *http.Request once the body hits io.EOF.
type stdBody struct {
	src  io.ReadCloser
	from *httpserver.Request
	to   http.Header
	done bool
}

func (b *stdBody) Read(p []byte) (int, error) {
	n, err := b.src.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		if b.from != nil {
			for name, value := range b.from.Trailer.All() {
				key := canonicalKey(name)
				b.to[key] = append(b.to[key], strings.Clone(value))
			}
		}
	}
	return n, bridgeError(err)
}

func (b *stdBody) Close() error { return bridgeError(b.src.Close()) }

// internMethod returns the standard methods as constants, so the handler's
// request does not alias the connection's buffer.
func internMethod(m string) string {
	for _, s := range [...]string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodConnect,
		http.MethodOptions, http.MethodTrace,
	} {
		if m == s {
			return s
		}
	}
	return strings.Clone(m)
}

func internProto(p string) string {
	switch p {
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	case "HTTP/2.0":
		return "HTTP/2.0"
	}
	return strings.Clone(p)
}
