package httpserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// describeHandler answers 200 with what it parsed, in a compact form that the
// tests compare: "METHOD target path host proto body=<body> err=<err>".
var describeHandler = HandlerFunc(func(w ResponseWriter, r *Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		Error(w, StatusOf(err))
		return
	}
	fmt.Fprintf(w, "%s %s %s %s %s body=%s", r.Method, r.Target, r.Path, r.Host, r.Proto, b)
	for k, v := range r.Trailer.All() {
		fmt.Fprintf(w, " trailer:%s=%s", k, v)
	}
})

// parsedResponse is one response read back from raw server output.
type parsedResponse struct {
	status int
	header http.Header
	body   string
	close  bool // the response said "Connection: close"
}

// parseResponses parses every response in raw output, using net/http's
// reader as an independent oracle of HTTP/1.1 response syntax.
func parseResponses(t testing.TB, out []byte, methods ...string) []parsedResponse {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	var rs []parsedResponse
	for i := 0; ; i++ {
		if _, err := br.Peek(1); err != nil {
			return rs
		}
		method := "GET"
		if i < len(methods) {
			method = methods[i]
		}
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("malformed response %d in %q: %v", i, out, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("malformed response body %d in %q: %v", i, out, err)
		}
		rs = append(rs, parsedResponse{resp.StatusCode, resp.Header, string(b), resp.Close})
	}
}

func TestRequestRules(t *testing.T) {
	const host = "Host: h\r\n"
	tests := []struct {
		name   string
		input  string
		status int    // status of the first response
		body   string // substring of the first body, for 200s
		count  int    // number of responses; 0 means 1
	}{
		// Request line, RFC 9112 §3.
		{"simple GET", "GET /a?b=1 HTTP/1.1\r\n" + host + "\r\n", 200, "GET /a?b=1 /a h HTTP/1.1", 0},
		{"extension method", "PURGE /x HTTP/1.1\r\n" + host + "\r\n", 200, "PURGE /x", 0},
		{"lowercase method is a token", "get / HTTP/1.1\r\n" + host + "\r\n", 200, "get /", 0},
		{"invalid method char", "GE(T / HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"double space", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"space in target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"missing version", "GET /\r\n" + host + "\r\n", 400, "", 0},
		{"lowercase version", "GET / http/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"version 1.10", "GET / HTTP/1.10\r\n" + host + "\r\n", 400, "", 0},
		{"HTTP/2.0 is 505", "GET / HTTP/2.0\r\n" + host + "\r\n", 505, "", 0},
		{"HTTP/0.9 is 505", "GET / HTTP/0.9\r\n" + host + "\r\n", 505, "", 0},
		{"HTTP/1.2 served as 1.1", "GET / HTTP/1.2\r\n" + host + "\r\n", 200, "HTTP/1.1", 0},
		{"fragment in target", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"NUL in request line", "GET /\x00 HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"percent-decoded path", "GET /a%20b%2Fc HTTP/1.1\r\n" + host + "\r\n", 200, "/a b/c", 0},
		{"bad percent escape", "GET /a%2 HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"encoded NUL in path", "GET /a%00 HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"absolute-form overrides Host", "GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n", 200, "/p example.com:8080", 0},
		{"absolute-form empty path", "GET http://example.com HTTP/1.1\r\n" + host + "\r\n", 200, " / example.com", 0},
		{"absolute-form userinfo", "GET http://u@example.com/ HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"absolute-form empty host before a port", "GET http://:80/ HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"absolute-form other scheme", "GET ftp://example.com/ HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", 200, "OPTIONS *", 0},
		{"asterisk-form GET", "GET * HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"authority-form CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 200, "CONNECT example.com:443", 0},
		{"CONNECT with a body", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 3\r\n\r\nabc", 400, "", 0},
		{"CONNECT chunked", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "", 0},
		{"CONNECT without port", "CONNECT example.com HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"CONNECT origin-form", "CONNECT / HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},
		{"leading empty line ignored", "\r\nGET / HTTP/1.1\r\n" + host + "\r\n", 200, "GET /", 0},
		{"too many leading empty lines", strings.Repeat("\r\n", 5) + "GET / HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},

		// Line endings, RFC 9112 §2.2.
		{"bare LF", "GET / HTTP/1.1\n" + host + "\r\n", 400, "", 0},
		{"bare LF in field", "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400, "", 0},
		{"bare CR in field value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400, "", 0},
		{"bare CR in request line", "GET /\r HTTP/1.1\r\n" + host + "\r\n", 400, "", 0},

		// Field lines, RFC 9112 §5 and RFC 9110 §5.
		{"space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "", 0},
		{"tab before colon", "GET / HTTP/1.1\r\n" + host + "X\t: y\r\n\r\n", 400, "", 0},
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", 400, "", 0},
		{"obs-fold tab", "GET / HTTP/1.1\r\n" + host + "X: a\r\n\tb\r\n\r\n", 400, "", 0},
		{"field without colon", "GET / HTTP/1.1\r\n" + host + "garbage\r\n\r\n", 400, "", 0},
		{"empty field name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", 400, "", 0},
		{"invalid field name", "GET / HTTP/1.1\r\n" + host + "X(y): v\r\n\r\n", 400, "", 0},
		{"NUL in field value", "GET / HTTP/1.1\r\n" + host + "X: a\x00b\r\n\r\n", 400, "", 0},
		{"DEL in field value", "GET / HTTP/1.1\r\n" + host + "X: a\x7fb\r\n\r\n", 400, "", 0},
		{"obs-text in field value", "GET / HTTP/1.1\r\n" + host + "X: caf\xe9\r\n\r\n", 200, "GET /", 0},
		{"empty field value", "GET / HTTP/1.1\r\n" + host + "X:\r\n\r\n", 200, "GET /", 0},

		// Host, RFC 9112 §3.2.
		{"missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400, "", 0},
		{"missing Host in 1.0 is fine", "GET / HTTP/1.0\r\n\r\n", 200, "HTTP/1.0", 0},
		{"repeated Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "", 0},
		{"repeated Host in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "", 0},
		{"invalid Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "", 0},
		{"Host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "", 0},
		{"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400, "", 0},
		{"Host with bad port", "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", 400, "", 0},
		{"Host IPv6", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 200, "[::1]:80", 0},
		// RFC 3986 §2.1: '%' in a host starts a pct-encoded triplet.
		{"Host pct-encoded", "GET / HTTP/1.1\r\nHost: a%41b\r\n\r\n", 200, "a%41b", 0},
		{"Host bare percent", "GET / HTTP/1.1\r\nHost: %\r\n\r\n", 400, "", 0},
		{"Host short percent", "GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", 400, "", 0},
		{"Host percent not hex", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", 400, "", 0},
		{"absolute-form bare percent", "GET http://%/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "", 0},
		{"IPv6 zone", "GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n", 200, "[fe80::1%25eth0]", 0},
		{"IPv6 bare percent", "GET / HTTP/1.1\r\nHost: [fe80::1%eth0]\r\n\r\n", 400, "", 0},
		{"empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 200, "GET /", 0},

		// Content-Length, RFC 9110 §8.6 and RFC 9112 §6.3.
		{"Content-Length body", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc", 200, "body=abc", 0},
		{"Content-Length leading zeros", "POST / HTTP/1.1\r\n" + host + "Content-Length: 003\r\n\r\nabc", 200, "body=abc", 0},
		{"Content-Length sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +3\r\n\r\nabc", 400, "", 0},
		{"Content-Length negative", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", 400, "", 0},
		{"Content-Length hex", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x3\r\n\r\nabc", 400, "", 0},
		{"Content-Length inner space", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1 2\r\n\r\n", 400, "", 0},
		{"Content-Length empty", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400, "", 0},
		{"Content-Length overflow", "POST / HTTP/1.1\r\n" + host + "Content-Length: 1000000000000000000000\r\n\r\n", 400, "", 0},
		{"Content-Length differing", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "", 0},
		{"Content-Length same twice", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 200, "body=abc", 0},
		{"Content-Length list same", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3, 3\r\n\r\nabc", 200, "body=abc", 0},
		{"Content-Length list differing", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3, 4\r\n\r\nabcd", 400, "", 0},
		{"Content-Length over limit", "POST / HTTP/1.1\r\n" + host + "Content-Length: 20000000\r\n\r\n", 413, "", 0},
		{"short body", "POST / HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\nabc", 400, "", 0},

		// Transfer-Encoding, RFC 9112 §6.1, §6.3, §7.
		{"chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, "body=abc", 0},
		{"chunked case-insensitive", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: ChUnKeD\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, "body=abc", 0},
		{"CL and TE", "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"TE and CL", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"TE not ending in chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400, "", 0},
		{"TE gzip only", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 400, "", 0},
		{"TE unknown only", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: foo\r\n\r\n", 400, "", 0},
		{"TE unknown then chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", 501, "", 0},
		{"TE gzip then chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, "", 0},
		{"TE chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400, "", 0},
		{"TE split over lines", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, "", 0},
		{"TE chunked then identity line", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400, "", 0},
		{"TE empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\r\n\r\n", 400, "", 0},
		{"TE with params on chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 400, "", 0},
		{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "", 0},
		{"TE with trailing junk", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked x\r\n\r\n0\r\n\r\n", 400, "", 0},

		// Chunked framing, RFC 9112 §7.1.
		{"chunk extension", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3;a=b;c=\"d e\";f\r\nabc\r\n0\r\n\r\n", 200, "body=abc", 0},
		{"chunk extension BWS", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3 ; a = b\r\nabc\r\n0\r\n\r\n", 200, "body=abc", 0},
		{"chunk size trailing space", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk size leading space", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk size 0x prefix", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk size sign", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk size overflow", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk size over limit", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nfffffff\r\nabc\r\n0\r\n\r\n", 413, "", 0},
		{"chunk data too long", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400, "", 0},
		{"chunk missing CRLF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc0\r\n\r\n", 400, "", 0},
		{"chunk line bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk ext bad quote", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3;a=\"b\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunk ext bare CR", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n0\r\n\r\n", 400, "", 0},
		{"chunked trailers", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n", 200, "trailer:X-T=v", 0},
		{"prohibited trailer dropped", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n", 200, "body=", 0},
		{"trailer obs-fold", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n", 400, "", 0},
		{"chunked then pipelined", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\nGET /2 HTTP/1.1\r\n" + host + "\r\n", 200, "body=a", 2},

		// Expect, RFC 9110 §10.1.1.
		{"unknown expectation", "POST / HTTP/1.1\r\n" + host + "Expect: magic\r\nContent-Length: 1\r\n\r\na", 417, "", 0},
		{"expectation in 1.0 ignored", "POST / HTTP/1.0\r\nExpect: magic\r\nContent-Length: 1\r\n\r\na", 200, "body=a", 0},

		// Pipelining and persistence, RFC 9112 §9.
		{"pipelined", "GET /1 HTTP/1.1\r\n" + host + "\r\nGET /2 HTTP/1.1\r\n" + host + "\r\nGET /3 HTTP/1.1\r\n" + host + "\r\n", 200, "/1", 3},
		{"close stops pipeline", "GET /1 HTTP/1.1\r\n" + host + "Connection: close\r\n\r\nGET /2 HTTP/1.1\r\n" + host + "\r\n", 200, "/1", 1},
		{"1.0 closes by default", "GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", 200, "/1", 1},
		{"1.0 keep-alive", "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", 200, "/1", 2},
		{"error stops pipeline", "GET / HTTP/1.1\r\nHost : h\r\n\r\nGET /2 HTTP/1.1\r\n" + host + "\r\n", 400, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := serveBytes(describeHandler, []byte(tt.input))
			rs := parseResponses(t, out)
			want := tt.count
			if want == 0 {
				want = 1
			}
			if len(rs) != want {
				t.Fatalf("got %d responses, want %d:\n%s", len(rs), want, out)
			}
			if rs[0].status != tt.status {
				t.Fatalf("status = %d, want %d:\n%s", rs[0].status, tt.status, out)
			}
			if tt.body != "" && !strings.Contains(rs[0].body, tt.body) {
				t.Fatalf("body = %q, want it to contain %q", rs[0].body, tt.body)
			}
			if tt.status >= 400 && !rs[0].close {
				t.Fatalf("error response without Connection: close:\n%s", out)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	small := func(s *Server) {
		s.Limits = Limits{MaxRequestLineBytes: 64, MaxHeaderBytes: 256, MaxHeaderCount: 4, MaxBodyBytes: 10}
	}
	many := "GET / HTTP/1.1\r\nHost: h\r\n" + strings.Repeat("X: y\r\n", 4) + "\r\n"
	tests := []struct {
		name   string
		input  string
		status int
	}{
		{"line at limit", "GET /" + strings.Repeat("a", 64-len("GET / HTTP/1.1")) + " HTTP/1.1\r\nHost: h\r\n\r\n", 200},
		{"line over limit", "GET /" + strings.Repeat("a", 100) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
		{"line over limit, incomplete", "GET /" + strings.Repeat("a", 100), 414},
		{"header block over limit", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 300) + "\r\n\r\n", 431},
		{"header block over limit, incomplete", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", 300), 431},
		{"too many fields", many, 431},
		{"body at limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", 200},
		{"body over limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n0123456789a", 413},
		{"chunked body over limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n", 413},
		{"trailers over count", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + strings.Repeat("X: y\r\n", 5) + "\r\n", 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := parseResponses(t, serveBytes(describeHandler, []byte(tt.input), small))
			if len(rs) != 1 || rs[0].status != tt.status {
				t.Fatalf("got %+v, want one %d", rs, tt.status)
			}
		})
	}
}
