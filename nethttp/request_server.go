package nethttp

import (
	"io"
	"net/http"
	"slices"

	"github.com/rawsock/httpserver"
)

// NewServerRequest builds the httpserver.Request that [Handler] hands to a
// handler of this project from a request of net/http's server: Method,
// Target (the RequestURI), Path, RawPath, RawQuery, protocol, Host, Header
// (with the Host field first, and "Transfer-Encoding: chunked" when the
// body is chunked, as this server's requests have them), Body,
// ContentLength, Close, RemoteAddr, Pattern and context. Trailer is filled
// from r.Trailer once Body has been read to io.EOF.
//
// The result shares r's strings, which net/http never reuses.
func NewServerRequest(r *http.Request) *httpserver.Request {
	req := new(httpserver.Request).WithContext(r.Context())
	req.Trailer = new(httpserver.Header)
	req.Method = r.Method
	req.Target = r.RequestURI
	if req.Target == "" && r.URL != nil {
		req.Target = r.URL.RequestURI()
	}
	if r.URL != nil {
		req.Path = r.URL.Path
		req.RawPath = r.URL.EscapedPath()
		req.RawQuery = r.URL.RawQuery
	}
	req.Proto = r.Proto
	req.ProtoMajor, req.ProtoMinor = r.ProtoMajor, r.ProtoMinor
	req.Host = r.Host
	req.ContentLength = r.ContentLength
	req.Close = r.Close
	req.RemoteAddr = r.RemoteAddr
	req.Pattern = r.Pattern

	if r.Host != "" {
		req.Header.Add("Host", r.Host)
	}
	var keyBuf [32]string
	keys := keyBuf[:0]
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.Header[k] {
			req.Header.Add(k, v)
		}
	}
	if slices.Contains(r.TransferEncoding, "chunked") {
		req.Header.Add("Transfer-Encoding", "chunked")
		req.ContentLength = -1
	}

	switch {
	case r.Body == nil || r.Body == http.NoBody:
		req.Body = http.NoBody
	default:
		req.Body = &serverBody{src: r.Body, from: r, to: req}
	}
	return req
}

// serverBody is the Body of a converted request. It copies the trailer of
// net/http's request into the httpserver.Request once the body hits EOF.
type serverBody struct {
	src  io.ReadCloser
	from *http.Request
	to   *httpserver.Request
	done bool
}

func (b *serverBody) Read(p []byte) (int, error) {
	n, err := b.src.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		var keyBuf [8]string
		keys := keyBuf[:0]
		for k := range b.from.Trailer {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, v := range b.from.Trailer[k] {
				b.to.Trailer.Add(k, v)
			}
		}
	}
	return n, bridgeError(err)
}

func (b *serverBody) Close() error { return bridgeError(b.src.Close()) }
