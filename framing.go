package httpserver

import (
	"strconv"

	"github.com/rawsock/httpserver/internal/syntax"
)

// This file decides how a request's body is delimited and whether the
// connection persists. It is the most security-sensitive part of the
// server: if two parsers on a request's path disagree on where a message
// ends, the rest of the stream can be read as a smuggled request. Every rule
// here therefore rejects rather than guesses.

// bodyKind is how the end of a request body is found.
type bodyKind uint8

const (
	bodyNone    bodyKind = iota // no body (RFC 9112 §6.3 rule 7)
	bodyLength                  // Content-Length bytes
	bodyChunked                 // chunked transfer coding
)

// requestFraming is what the head says about the body and the connection.
type requestFraming struct {
	kind           bodyKind
	length         int64 // for bodyLength
	keepAlive      bool
	expectContinue bool
}

// analyzeHead applies the Host, framing, connection and expectation rules to
// a parsed head and fills in r.Host, r.ContentLength and r.Close.
func analyzeHead(r *Request) (requestFraming, error) {
	var f requestFraming
	var (
		hostSeen, clSeen    bool
		te                  transferCodings
		host                string
		length              int64 = -1
		connClose, connKeep bool
		expect              string
		expectSeen          bool
	)
	for i := range r.Header.fields {
		name, value := r.Header.fields[i].name, r.Header.fields[i].value
		switch len(name) {
		case 4:
			if equalFold(name, "Host") {
				// RFC 9112 §3.2: a request with more than one Host
				// field line is answered 400.
				if hostSeen {
					return f, badRequest("repeated Host field", value)
				}
				hostSeen, host = true, value
			}
		case 6:
			if equalFold(name, "Expect") {
				if expectSeen {
					expect += ","
				}
				expectSeen = true
				expect += value
			}
		case 10:
			if equalFold(name, "Connection") {
				connClose = connClose || listContainsToken(value, "close")
				connKeep = connKeep || listContainsToken(value, "keep-alive")
			}
		case 14:
			if equalFold(name, "Content-Length") {
				n, err := parseContentLength(value)
				if err != nil {
					return f, err
				}
				// RFC 9110 §8.6 / RFC 9112 §6.3 rule 5: several
				// Content-Length values must all be equal; differing
				// ones make the message invalid.
				if clSeen && n != length {
					return f, badRequest("conflicting Content-Length values, second is", value)
				}
				clSeen, length = true, n
			}
		case 17:
			if equalFold(name, "Transfer-Encoding") {
				te.add(value)
			}
		}
	}

	// RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400.
	if !hostSeen && r.ProtoMinor == 1 {
		return f, badRequest("missing Host field in", r.Proto+" request")
	}
	// RFC 9112 §3.2 / RFC 9110 §7.2: a Host value that is not a valid
	// authority is answered 400. An empty value is allowed (a target
	// without authority). RFC 3986 §2.1: a '%' in the host must start a
	// pct-encoded triplet.
	if hostSeen && host != "" && !syntax.ValidAuthority(host) {
		return f, badRequest("invalid Host field value", host)
	}
	// RFC 9112 §3.2.2: with an absolute-form target the Host field is
	// ignored in favour of the target's authority.
	if r.Host == "" {
		r.Host = host
	}

	// RFC 9110 §9.3.6: a CONNECT request has no content; bytes after its
	// head belong to the tunnel. A declared body makes the framing
	// ambiguous (body or tunnel data?), so it is rejected.
	if r.Method == "CONNECT" && (te.seen || clSeen && length > 0) {
		return f, badRequest("CONNECT request with a body, Content-Length", strconv.FormatInt(length, 10))
	}
	if te.seen {
		// RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means
		// the framing is faulty. We reject it.
		if r.ProtoMinor == 0 {
			return f, badRequest("Transfer-Encoding in an", "HTTP/1.0 request")
		}
		// RFC 9112 §6.1 / §6.3 rule 3: Content-Length together with
		// Transfer-Encoding is a smuggling attempt or a broken
		// intermediary; the server may reject it and MUST close the
		// connection. We reject.
		if clSeen {
			return f, badRequest("both Transfer-Encoding and Content-Length in", "request")
		}
		if err := te.check(); err != nil {
			return f, err
		}
		f.kind = bodyChunked
		r.ContentLength = -1
	} else if clSeen && length > 0 {
		f.kind, f.length = bodyLength, length
		r.ContentLength = length
	}

	// RFC 9112 §9.3: HTTP/1.1 persists unless "close" is sent; HTTP/1.0
	// persists only with "keep-alive" (RFC 9112 Appendix C.2.2).
	if r.ProtoMinor == 0 {
		f.keepAlive = connKeep && !connClose
	} else {
		f.keepAlive = !connClose
	}
	r.Close = !f.keepAlive

	if expectSeen {
		// RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0
		// request MUST be ignored.
		if r.ProtoMinor == 1 {
			// RFC 9110 §10.1.1: "100-continue" is the only expectation
			// defined; any other is answered 417.
			if !equalFold(syntax.TrimOWS(expect), "100-continue") {
				return f, protocolErr(StatusExpectationFailed, "unsupported expectation", expect)
			}
			f.expectContinue = f.kind != bodyNone
		}
	}
	return f, nil
}

// parseContentLength parses a Content-Length value with
// [syntax.ParseContentLength] and turns a violation into a 400.
func parseContentLength(v string) (int64, error) {
	n, bad, err := syntax.ParseContentLength(v)
	switch err {
	case nil:
		return n, nil
	// RFC 9110 §8.6 / RFC 9112 §6.3 rule 5: a list of differing values
	// makes the message invalid.
	case syntax.ErrContentLengthConflict:
		return 0, badRequest("conflicting Content-Length values, second is", bad)
	}
	// RFC 9110 §8.6: Content-Length = 1*DIGIT; no sign, hex, inner
	// whitespace or empty list element.
	return 0, badRequest("invalid Content-Length", bad)
}

// transferCodings accumulates the codings of every Transfer-Encoding field
// line, in order (field lines combine as one list, RFC 9110 §5.3).
type transferCodings struct {
	seen          bool
	count         int // non-empty list elements
	chunked       int // how many of them are chunked
	lastIsChunked bool
	other         string // first coding other than chunked
	err           error
}

func (tc *transferCodings) add(v string) {
	tc.seen = true
	for v != "" {
		var item string
		item, v = cutByte(v, ',')
		item = syntax.TrimOWS(item)
		if item == "" {
			continue // RFC 9110 §5.6.1: empty list elements are ignored
		}
		tc.count++
		name, params := cutByte(item, ';')
		name = syntax.TrimOWS(name)
		// RFC 9112 §7: transfer-coding = token *( OWS ";" ... ).
		if !syntax.ValidToken(name) && tc.err == nil {
			tc.err = badRequest("invalid transfer coding", item)
		}
		tc.lastIsChunked = equalFold(name, "chunked")
		if tc.lastIsChunked {
			tc.chunked++
			// RFC 9112 §7.1: chunked takes no parameters.
			if params != "" && tc.err == nil {
				tc.err = badRequest("parameters on chunked coding", item)
			}
		} else if tc.other == "" {
			tc.other = item
		}
	}
}

// check applies the Transfer-Encoding rules for requests.
func (tc *transferCodings) check() error {
	switch {
	case tc.err != nil:
		return tc.err
	case tc.count == 0:
		return badRequest("empty Transfer-Encoding", "")
	// RFC 9112 §6.3 rule 4: if chunked is not the final coding of a
	// request, the length cannot be determined: 400 and close (a MUST,
	// so it wins over the 501 below).
	case !tc.lastIsChunked:
		return badRequest("Transfer-Encoding does not end in chunked:", tc.other)
	// RFC 9112 §7: a sender MUST NOT apply chunked more than once.
	case tc.chunked > 1:
		return badRequest("chunked applied more than once in", "Transfer-Encoding")
	// RFC 9112 §6.1: a server that does not understand a transfer coding
	// SHOULD answer 501. Only chunked is implemented; compression belongs
	// in Content-Encoding.
	case tc.other != "":
		return protocolErr(StatusNotImplemented, "unsupported transfer coding", tc.other)
	}
	return nil
}
