package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Differential testing against net/http: the same bytes go through our
// connection loop (echo handler) and through http.ReadRequest plus the
// checks net/http's server adds (Host rules, 505, 417). Where both accept a
// request, what they parsed must agree; where only one accepts, the
// difference must belong to a class listed in oursStricter or
// netHTTPStricter, each with its RFC reason.

// maxDiffRequests bounds the pipelined requests compared per input.
const maxDiffRequests = 8

// FuzzDifferentialNetHTTP compares our parse of arbitrary input with
// net/http's.
func FuzzDifferentialNetHTTP(f *testing.F) {
	f.Fuzz(func(t *testing.T, input []byte) {
		d := diffNetHTTP(input)
		if d.mismatch != "" {
			t.Fatalf("both accept request %d but disagree: %s\ninput: %q", d.index+1, d.mismatch, input)
		}
		if d.class == "" {
			t.Fatalf("unexplained difference at request %d: %s\ninput: %q", d.index+1, d.detail, input)
		}
	})
}

// TestDifferentialSeeds runs fixed inputs through the same comparison and
// checks the class each falls in.
func TestDifferentialSeeds(t *testing.T) {
	const h = "POST / HTTP/1.1\r\nHost: x\r\n"
	tests := []struct {
		name, input, class string
	}{
		{"simple", "GET /a%20b?q=1 HTTP/1.1\r\nHost: x\r\nAccept: a\r\naccept: b\r\n\r\n", classAgree},
		{"pipelined", "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\n\r\n", classAgree},
		{"chunked", h + "Transfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;e=1\r\npedia\r\n0\r\n\r\n", classAgree},
		{"http10", "POST /f HTTP/1.0\r\nContent-Length: 4\r\n\r\nbody", classAgree},
		{"absolute form", "GET http://example.com/p?q HTTP/1.1\r\nHost: other\r\n\r\n", classAgree},
		{"cl te", h + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", "CL+TE"},
		{"te http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "TE in HTTP/1.0"},
		{"bare lf", "GET / HTTP/1.1\nHost: x\n\n", "bare LF"},
		{"obs fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", "obs-fold"},
		{"space before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", "invalid field name"},
		{"quote in target", "GET /a\"b HTTP/1.1\r\nHost: x\r\n\r\n", "invalid target"},
		{"connect without host", "CONNECT example.com:443 HTTP/1.1\r\n\r\n", "Host required"},
		{"nul in path", "GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", "NUL in path"},
		{"userinfo", "GET http://u@h/ HTTP/1.1\r\nHost: x\r\n\r\n", "invalid authority"},
		{"leading crlf", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "leading empty lines"},
		{"stray lf after post", h + "Content-Length: 1\r\n\r\n\r\n\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", "stray CR/LF after POST"},
		{"cl list", h + "Content-Length: 5, 5\r\n\r\nhello", "Content-Length list"},
		{"ext bws", h + "Transfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n", "BWS before chunk-ext"},
		{"bad chunk ext", h + "Transfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n", "chunk-ext syntax"},
		{"double cl", h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", classBothReject},
		{"no host", "GET / HTTP/1.1\r\n\r\n", classBothReject},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", classBothReject},
		{"chunked identity", h + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", classBothReject},
		{"http2", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", classBothReject},
		{"expect in http10", "GET / HTTP/1.0\r\nExpect: x\r\n\r\n", "Expect in HTTP/1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diffNetHTTP([]byte(tt.input))
			if d.mismatch != "" {
				t.Fatalf("both accept request %d but disagree: %s", d.index+1, d.mismatch)
			}
			if d.class != tt.class {
				t.Fatalf("class %q (%s), want %q", d.class, d.detail, tt.class)
			}
		})
	}
}

const (
	classAgree      = "agree"
	classBothReject = "both refuse"
)

// diffResult is the outcome of one comparison.
type diffResult struct {
	index    int    // the request where the two differ, or the last compared
	class    string // classAgree, classBothReject, a difference class, or "" if unexplained
	detail   string
	mismatch string // both accepted the request but parsed it differently
}

// stdRequest is what net/http parsed of one request.
type stdRequest struct {
	method, requestURI, path, host string
	header                         map[string][]string // lower-case names
	body                           []byte
	chunked                        bool
	// skipped is the run of CR and LF bytes net/http dropped before this
	// request (only after a POST).
	skipped struct{ at, n int }
}

func diffNetHTTP(input []byte) diffResult {
	reasons := &reasonLog{}
	x := runEcho(input, func(s *Server) { s.Logger = slog.New(reasons) })
	std, stdErr := readStdRequests(input)
	ours := x.accepted()
	if x.err != nil {
		return diffResult{class: "", detail: "our output is malformed: " + x.err.Error()}
	}
	n := min(ours, len(std))
	for i := 0; i < n; i++ {
		if m := compareParsed(&x.parsed[i], &std[i]); m != "" {
			return diffResult{index: i, mismatch: m}
		}
	}
	_, oursRejected := x.rejected()
	switch {
	case ours == len(std) && (stdErr == nil || isIncomplete(stdErr)) && !oursRejected:
		return diffResult{index: n, class: classAgree}
	case ours == len(std):
		// Neither accepts the next request (rejected, or input ended).
		if stdErr == nil && oursRejected {
			// net/http stopped cleanly: the stream ended after a
			// request that closes the connection, or at the limit.
			break
		}
		if n == 0 && !oursRejected && stdErr != nil && !isIncomplete(stdErr) {
			return diffResult{index: n, class: classBothReject}
		}
		if oursRejected && stdErr != nil {
			return diffResult{index: n, class: classBothReject}
		}
		return diffResult{index: n, class: classAgree}
	}
	if len(std) > ours {
		// net/http accepted request n, we did not.
		reason := reasons.get()
		if n < len(x.records) && x.records[n].BodyErr != nil {
			reason = x.records[n].BodyErr.Error()
		}
		if !oursRejected {
			return diffResult{index: n, detail: "net/http accepts, our server waits for more input"}
		}
		if skip := std[n].skipped; skip.n > 0 && !crlfPairs(input[skip.at:skip.at+skip.n]) {
			// net/http dropped stray CR or LF bytes that we do not: the
			// difference is explained if it goes away without them.
			d := diffNetHTTP(slices.Concat(input[:skip.at], input[skip.at+skip.n:]))
			if d.mismatch != "" || d.class == "" {
				return d
			}
			return diffResult{index: n, class: "stray CR/LF after POST", detail: "net/http accepts, we reject: " + reason}
		}
		class := classifyOursStricter(reason, input)
		return diffResult{index: n, class: class, detail: "net/http accepts, we reject: " + reason}
	}
	// We accepted request n, net/http did not.
	if stdErr == nil {
		// net/http stopped at maxDiffRequests or after Close.
		return diffResult{index: n, class: classAgree}
	}
	class := classifyNetHTTPStricter(stdErr, input)
	return diffResult{index: n, class: class, detail: "we accept, net/http rejects: " + stdErr.Error()}
}

// crlfPairs reports whether b is a run of whole CRLF line ends (empty
// lines, which we ignore before a request-line too).
func crlfPairs(b []byte) bool {
	return len(b)%2 == 0 && bytes.Equal(b, bytes.Repeat([]byte("\r\n"), len(b)/2))
}

func isIncomplete(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// compareParsed compares our echo of a request with net/http's parse.
func compareParsed(ours *echoRecord, std *stdRequest) string {
	switch {
	case ours.Method != std.method:
		return fmt.Sprintf("method %q, net/http %q", ours.Method, std.method)
	case ours.Target != std.requestURI:
		return fmt.Sprintf("target %q, net/http %q", ours.Target, std.requestURI)
	case strings.HasPrefix(ours.Target, "/") && ours.Path != std.path:
		return fmt.Sprintf("path %q, net/http %q", ours.Path, std.path)
	case !strings.EqualFold(ours.Host, std.host):
		return fmt.Sprintf("host %q, net/http %q", ours.Host, std.host)
	case !bytes.Equal(ours.Body, std.body):
		return fmt.Sprintf("body %q, net/http %q", ours.Body, std.body)
	}
	got := map[string][]string{}
	for _, f := range ours.Header {
		name := strings.ToLower(f[0])
		if !skipHeaderCompare(name) {
			got[name] = append(got[name], f[1])
		}
	}
	for name, values := range std.header {
		if !equalStrings(got[name], values) {
			return fmt.Sprintf("field %q: %q, net/http %q", name, got[name], values)
		}
		delete(got, name)
	}
	for name, values := range got {
		return fmt.Sprintf("field %q: %q, net/http has none", name, values)
	}
	return ""
}

// skipHeaderCompare: net/http moves Host out of the header and removes the
// framing fields it has acted on; those are compared through host and body.
func skipHeaderCompare(lower string) bool {
	return lower == "host" || lower == "transfer-encoding" || lower == "content-length"
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readStdRequests reads pipelined requests with http.ReadRequest, applying
// the checks net/http's server makes on top of it (server.go readRequest
// and serve): leading CR/LF skipped only after a POST, 505 for a major
// version other than 1, Host required on HTTP/1.1 except for CONNECT, at
// most one Host, valid field values, 417 for an unknown expectation.
func readStdRequests(input []byte) ([]stdRequest, error) {
	rd := bytes.NewReader(input)
	br := bufio.NewReaderSize(rd, 64<<10)
	var reqs []stdRequest
	lastMethod := ""
	for len(reqs) < maxDiffRequests {
		var skipped struct{ at, n int }
		if lastMethod == "POST" {
			peek, _ := br.Peek(4)
			n := 0
			for n < len(peek) && (peek[n] == '\r' || peek[n] == '\n') {
				n++
			}
			skipped.at, skipped.n = len(input)-rd.Len()-br.Buffered(), n
			br.Discard(n)
		}
		if _, err := br.Peek(1); err == io.EOF {
			return reqs, nil
		}
		hosts := peekHosts(br)
		req, err := http.ReadRequest(br)
		if err != nil {
			return reqs, err
		}
		lastMethod = req.Method
		if req.ProtoMajor != 1 {
			return reqs, errors.New("net/http server: unsupported protocol version")
		}
		if req.ProtoAtLeast(1, 1) && len(hosts) == 0 && req.Method != "CONNECT" {
			return reqs, errors.New("net/http server: missing required Host header")
		}
		if len(hosts) > 1 {
			return reqs, errors.New("net/http server: too many Host headers")
		}
		if len(hosts) == 1 && !validHostStd(hosts[0]) {
			return reqs, errors.New("net/http server: malformed Host header")
		}
		for _, vv := range req.Header {
			for _, v := range vv {
				if !validFieldValueStd(v) {
					return reqs, errors.New("net/http server: invalid header value")
				}
			}
		}
		if e := req.Header.Get("Expect"); e != "" && !strings.EqualFold(strings.TrimSpace(e), "100-continue") {
			return reqs, errors.New("net/http server: 417 expectation failed (" + req.Proto + ")")
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return reqs, err
		}
		r := stdRequest{
			method: req.Method, requestURI: req.RequestURI, path: req.URL.Path,
			host: req.Host, header: map[string][]string{}, body: body,
			chunked: len(req.TransferEncoding) > 0, skipped: skipped,
		}
		for name, values := range req.Header {
			if !skipHeaderCompare(strings.ToLower(name)) {
				r.header[strings.ToLower(name)] = values
			}
		}
		reqs = append(reqs, r)
		if req.Close {
			return reqs, nil
		}
	}
	return reqs, nil
}

// peekHosts returns the Host field values of the head at the start of br,
// as net/http's server sees them before ReadRequest drops the field.
func peekHosts(br *bufio.Reader) []string {
	br.Peek(1) // fill the buffer
	buf, _ := br.Peek(br.Buffered())
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[i+1:]
	} else {
		return nil
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(buf))).ReadMIMEHeader()
	return h["Host"]
}

// validHostStd approximates golang.org/x/net/http/httpguts.ValidHostHeader.
func validHostStd(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// validFieldValueStd is httpguts.ValidHeaderFieldValue: no CTL but HTAB.
func validFieldValueStd(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

var (
	reBareLF       = regexp.MustCompile(`(^|[^\r])\n`)
	reObsFold      = regexp.MustCompile(`\n[ \t]`)
	reChunkExtLine = regexp.MustCompile(`(?m)^[0-9a-fA-F]+[ \t;]`)
	reChunkBWS     = regexp.MustCompile(`(?m)^[0-9a-fA-F]+[ \t]+;`)
)

// classifyOursStricter names the rule by which we reject a request that
// net/http accepts, from our rejection reason, after checking the input
// has the feature; "" if the rejection is not one of the intended strict
// rules.
func classifyOursStricter(reason string, input []byte) string {
	has := func(s string) bool { return strings.Contains(reason, s) }
	switch {
	// RFC 9112 §2.2: only CRLF ends a line (net/http also takes LF).
	case (has("line not terminated by CRLF") || has("malformed chunked encoding")) && reBareLF.Match(input):
		return "bare LF"
	// RFC 9112 §5.2: obs-fold is rejected, not unfolded.
	case has("obsolete line folding") && reObsFold.Match(input):
		return "obs-fold"
	// RFC 9112 §5.1 / RFC 9110 §5.1: a field name is a token, with no
	// whitespace before the colon.
	case has("invalid field name") || has("field line without a colon"):
		return "invalid field name"
	// RFC 9112 §6.1, §6.3 rule 3.
	case has("both Transfer-Encoding and Content-Length"):
		return "CL+TE"
	// RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
	case has("Transfer-Encoding in an"):
		return "TE in HTTP/1.0"
	// RFC 9112 §3.2, RFC 3986 §2: only URI characters, no fragment.
	case has("invalid character in request-target"), has("empty request-target"):
		return "invalid target"
	// RFC 9112 §3.2.2-3.2.4: the absolute-form is http(s) only, the
	// asterisk-form is for OPTIONS only, CONNECT needs authority-form.
	case has("unsupported request-target"), has("asterisk-form target"), has("CONNECT needs"):
		return "target form"
	// RFC 9110 §4.2.4 (userinfo), RFC 3986 §3.2.2 (host syntax).
	case has("invalid authority in request-target"), has("invalid Host field value"):
		return "invalid authority"
	// RFC 9112 §3.2: Host is required in HTTP/1.1, CONNECT included
	// (net/http exempts CONNECT).
	case has("missing Host field"):
		return "Host required"
	// A NUL in a decoded path is refused outright.
	case has("NUL byte in path"):
		return "NUL in path"
	// RFC 3986 §2.1: '%' must be followed by two hex digits.
	case has("invalid percent-encoding"):
		return "percent-encoding"
	// RFC 9110 §5.5: controls other than HTAB are invalid in values
	// (net/http also refuses them, except what textproto lets through).
	case has("invalid character in field value"):
		return "field value"
	// RFC 9112 §7.1.1: chunk-ext grammar; net/http ignores extensions.
	case has("invalid chunk extension") && reChunkExtLine.Match(input):
		return "chunk-ext syntax"
	// We cap chunk-size at 15 hex digits, net/http at 16.
	case has("chunk size too large"):
		return "chunk-size digits"
	// RFC 9112 §2.3: HTTP-version is exactly "HTTP/" DIGIT "." DIGIT.
	case has("malformed HTTP-version"), has("malformed request-line"):
		return "request-line"
	// RFC 9110 §10.1.1: an unknown expectation is 417 (net/http too,
	// but only looks at the first Expect value).
	case has("unsupported expectation"):
		return "expectation"
	// Our size limits are lower than net/http's defaults.
	case has("exceeds the limit"), has("too many header fields"), has("too large"):
		return "limits"
	// Trailer fields follow the field-line rules (RFC 9112 §7.1.2).
	case has("trailer"):
		return "trailer"
	}
	return ""
}

// classifyNetHTTPStricter names why net/http rejects a request we accept;
// "" if unexplained.
func classifyNetHTTPStricter(err error, input []byte) string {
	msg := err.Error()
	has := func(s string) bool { return strings.Contains(msg, s) }
	switch {
	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line
	// before the request-line; net/http does so only after a POST.
	case has(`malformed HTTP request ""`):
		return "leading empty lines"
	// RFC 9110 §8.6: a list of identical Content-Length values may be
	// accepted as one; net/http refuses it.
	case has("bad Content-Length") || has("invalid Content-Length"):
		return "Content-Length list"
	// RFC 9112 §7.1.1 allows BWS before ';' in a chunk-ext.
	case has("invalid byte in chunk length") && reChunkBWS.Match(input):
		return "BWS before chunk-ext"
	// RFC 9110 §10.1.1: an HTTP/1.0 recipient ignores a 100-continue
	// expectation; we ignore Expect in HTTP/1.0 altogether (it is an
	// HTTP/1.1 field), net/http answers 417 to unknown ones.
	case has("417 expectation failed (HTTP/1.0)"):
		return "Expect in HTTP/1.0"
	// net/http's chunk overhead guard and line limit.
	case has("too much non-data"), has("header line too long"):
		return "net/http chunk limits"
	}
	return ""
}

// reasonLog is a slog.Handler that keeps the "err" of the server's
// "rejected request" log line.
type reasonLog struct {
	mu     sync.Mutex
	reason string
}

func (l *reasonLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *reasonLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			l.mu.Lock()
			l.reason = a.Value.String()
			l.mu.Unlock()
		}
		return true
	})
	return nil
}
func (l *reasonLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *reasonLog) WithGroup(string) slog.Handler      { return l }
func (l *reasonLog) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reason
}
