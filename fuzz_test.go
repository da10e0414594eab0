package httpserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http/httputil"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the HTTP/1.1 core. Seeds live in testdata/fuzz/<Target>/
// (smuggling classics among them) and run in every plain `go test`.
// Run one target at a time, e.g.
//
//	go test -run='^$' -fuzz=FuzzRequestStream -fuzztime=25s .

// fuzzLimits are small limits, so that short inputs reach the 414, 431 and
// 413 paths too.
func fuzzLimits(s *Server) {
	s.Limits = Limits{MaxRequestLineBytes: 512, MaxHeaderBytes: 2048, MaxHeaderCount: 20, MaxBodyBytes: 8192, MaxDiscardBytes: 1024}
}

// runEchoBounded is runEcho with a watchdog: the in-memory connection
// always ends, so a run that does not finish is a server hang.
func runEchoBounded(t *testing.T, input []byte, configure ...func(*Server)) *exchangeResult {
	t.Helper()
	done := make(chan *exchangeResult, 1)
	go func() { done <- runEcho(input, configure...) }()
	select {
	case x := <-done:
		return x
	case <-time.After(10 * time.Second):
		t.Fatalf("server did not finish on input %q", input)
		return nil
	}
}

// FuzzRequestStream feeds arbitrary bytes to the connection loop: the
// server must not panic or hang, everything it writes must be well-formed
// HTTP/1.1 responses (read back with net/http), each 200 must echo the
// request the handler saw, and an error response must close the connection
// with nothing after it.
func FuzzRequestStream(f *testing.F) {
	f.Fuzz(func(t *testing.T, input []byte) {
		x := runEchoBounded(t, input, fuzzLimits)
		checkStream(t, input, x)
	})
}

func checkStream(t *testing.T, input []byte, x *exchangeResult) {
	t.Helper()
	if x.err != nil {
		t.Fatalf("malformed output: %v\ninput: %q", x.err, input)
	}
	if len(x.resps) > len(x.records)+1 {
		t.Fatalf("%d responses for %d requests handled\ninput: %q", len(x.resps), len(x.records), input)
	}
	for i, r := range x.resps {
		if r.Status >= 400 {
			// After an error response readResponses already checked
			// that Connection: close ends the output.
			if !r.Close {
				t.Fatalf("response %d: status %d without Connection: close\ninput: %q", i+1, r.Status, input)
			}
			if i != len(x.resps)-1 {
				t.Fatalf("response %d: status %d is not the last response\ninput: %q", i+1, r.Status, input)
			}
			continue
		}
		if r.Status != 200 {
			t.Fatalf("response %d: unexpected status %d\ninput: %q", i+1, r.Status, input)
		}
		rec := x.records[i]
		if rec.BodyErr != nil {
			t.Fatalf("response %d is 200 but reading the body failed: %v\ninput: %q", i+1, rec.BodyErr, input)
		}
		got := x.parsed[i]
		if got.Method != rec.Method || got.Target != rec.Target || !bytes.Equal(got.Body, rec.Body) {
			t.Fatalf("response %d echoes %q %q %q, handler saw %q %q %q", i+1, got.Method, got.Target, got.Body, rec.Method, rec.Target, rec.Body)
		}
	}
	for i, rec := range x.records {
		if rec.BodyErr != nil && i < len(x.resps) && i != len(x.resps)-1 {
			t.Fatalf("request %d: body error %v, yet the connection went on\ninput: %q", i+1, rec.BodyErr, input)
		}
	}
}

// chunkedHead is the head FuzzChunkedBody puts in front of its input.
const chunkedHead = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

// FuzzChunkedBody decodes a chunked body with our decoder and with the
// standard library's (net/http/httputil.NewChunkedReader, plus
// net/textproto for the trailer section as net/http's server reads it) and
// compares. Where both decode, body and trailers must agree; where only one
// accepts, the difference must be one of the documented classes of
// classifyChunkedDifference.
func FuzzChunkedBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, chunked []byte) {
		x := runEchoBounded(t, append([]byte(chunkedHead), chunked...))
		if len(x.records) == 0 {
			t.Fatalf("handler not called for a valid head")
		}
		ours := x.records[0]
		std := decodeChunkedStd(chunked)
		oursClass, stdClass := outcomeOf(ours.BodyErr), outcomeOf(std.err)
		if oursClass == "ok" && stdClass == "ok" {
			if !bytes.Equal(ours.Body, std.body) {
				t.Fatalf("body %q, stdlib %q\ninput: %q", ours.Body, std.body, chunked)
			}
			if got, want := trailerKey(ours.Trailer), std.trailerKey(); got != want {
				t.Fatalf("trailer %q, stdlib %q\ninput: %q", got, want, chunked)
			}
			return
		}
		if oursClass != "ok" && stdClass != "ok" {
			// Both refuse the body; which error each saw first (end
			// of input or bad syntax) does not matter.
			return
		}
		if class := classifyChunkedDifference(chunked, ours.BodyErr, std.err); class == "" {
			t.Fatalf("unexplained difference: ours %s (%v), stdlib %s (%v)\ninput: %q", oursClass, ours.BodyErr, stdClass, std.err, chunked)
		}
	})
}

// outcomeOf classifies a body read result: ok, short (the input ended
// early) or reject.
func outcomeOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errTrailerEOF):
		return "short"
	}
	return "reject"
}

var errTrailerEOF = errors.New("stdlib: unexpected EOF in trailer")

type stdChunked struct {
	body    []byte
	trailer textproto.MIMEHeader
	err     error
}

// decodeChunkedStd decodes with httputil.NewChunkedReader and reads the
// trailer section with net/textproto, as net/http's server does.
func decodeChunkedStd(b []byte) stdChunked {
	br := bufio.NewReader(bytes.NewReader(b))
	var r stdChunked
	r.body, r.err = io.ReadAll(httputil.NewChunkedReader(br))
	if r.err != nil {
		return r
	}
	buf, _ := br.Peek(2)
	switch {
	case string(buf) == "\r\n":
		return r
	case len(buf) < 2:
		r.err = errTrailerEOF
		return r
	}
	r.trailer, r.err = textproto.NewReader(br).ReadMIMEHeader()
	if r.err == io.EOF || errors.Is(r.err, io.ErrUnexpectedEOF) {
		r.err = errTrailerEOF
	}
	return r
}

// trailerKey renders trailer fields comparably: lower-case name, value.
func trailerKey(fields [][2]string) string {
	var lines []string
	for _, f := range fields {
		lines = append(lines, strings.ToLower(f[0])+": "+f[1])
	}
	return strings.Join(sortedCopy(lines), "\n")
}

// trailerKey renders the stdlib's trailer like trailerKey, without the
// fields our decoder drops (RFC 9110 §6.5.1, prohibitedTrailer).
func (s *stdChunked) trailerKey() string {
	var lines []string
	for name, values := range s.trailer {
		if prohibitedTrailer(name) {
			continue
		}
		for _, v := range values {
			lines = append(lines, strings.ToLower(name)+": "+v)
		}
	}
	return strings.Join(sortedCopy(lines), "\n")
}

func sortedCopy(s []string) []string {
	s = append([]string(nil), s...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

var (
	chunkLineWithExt  = regexp.MustCompile(`(?m)^[0-9a-fA-F]+[ \t;]`)
	chunkSize16Digits = regexp.MustCompile(`(?m)^[0-9a-fA-F]{16}`)
	chunkSizeBWS      = regexp.MustCompile(`(?m)^[0-9a-fA-F]+[ \t]+;`)
	bareLF            = regexp.MustCompile(`(^|[^\r])\n`)
)

// classifyChunkedDifference explains why exactly one of the two decoders
// accepted (or got further), or returns "" if it cannot. Each class names
// the direction it allows and checks that the input has the feature.
func classifyChunkedDifference(in []byte, ours, std error) string {
	oursClass, stdClass := outcomeOf(ours), outcomeOf(std)
	reason := ""
	var pe *ProtocolError
	if errors.As(ours, &pe) {
		reason = pe.Reason
	}
	if oursClass == "reject" {
		switch {
		// RFC 9112 §7.1.1: we check the chunk-ext grammar (and refuse
		// whitespace after the size that is not BWS before ';'); the
		// stdlib trims trailing whitespace and ignores everything after
		// ';'.
		case strings.HasPrefix(reason, "invalid chunk extension") && chunkLineWithExt.Match(in):
			return "strict chunk-ext"
		// We cap chunk-size at 15 hex digits (leading zeros included),
		// the stdlib at 16.
		case strings.HasPrefix(reason, "chunk size too large") && chunkSize16Digits.Match(in):
			return "chunk-size digits"
		// The declared chunk size is over MaxBodyBytes: we answer 413
		// before reading it; the stdlib tries to read it and runs out.
		case errors.Is(ours, ErrBodyTooLarge) && stdClass == "short":
			return "413 on declared size"
		// RFC 9112 §7.1.2 / §5: trailer fields follow the field-line
		// rules, which we apply strictly (no obs-fold, no bare LF, token
		// names, no whitespace before ':'); textproto is lenient.
		case isTrailerRejection(reason) && stdClass != "reject":
			return "strict trailer"
		// A bare LF ends a trailer line for textproto, not for us (RFC
		// 9112 §2.2).
		case reason == "malformed chunked encoding" && stdClass != "reject" && bareLF.Match(in):
			return "bare LF in trailer"
		}
		return ""
	}
	if stdClass == "reject" {
		switch {
		// net/http limits chunk overhead to 16 KiB more than the data
		// (a DoS guard); we bound each line instead.
		case strings.Contains(std.Error(), "too much non-data"):
			return "stdlib overhead guard"
		// The stdlib refuses a chunk line of 4096 bytes or more; our
		// line limit is 4096 bytes without CRLF.
		case errors.Is(std, httputil.ErrLineTooLong):
			return "stdlib line limit"
		// RFC 9112 §7.1.1 allows BWS before the ';' of a chunk-ext;
		// the stdlib cuts at ';' and then refuses the whitespace left
		// after the size.
		case strings.Contains(std.Error(), "invalid byte in chunk length") && chunkSizeBWS.Match(in):
			return "stdlib refuses BWS before chunk-ext"
		}
	}
	return ""
}

func isTrailerRejection(reason string) bool {
	for _, p := range []string{"obsolete line folding", "field line without a colon", "invalid field name", "invalid character in field value", "trailer section exceeds the limit"} {
		if strings.HasPrefix(reason, p) {
			return true
		}
	}
	return false
}

// FuzzHeadParse delimits a head with headScanner (in two steps, as bytes
// arrive) and parses it with parseHead and analyzeHead: no panics, the same
// result whatever the split, and an accepted head satisfies the grammar
// invariants checked independently by checkAcceptedHead.
func FuzzHeadParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, input []byte) {
		lim, _ := Limits{}.withDefaults()
		var whole headScanner
		n, err := whole.scan(input, &lim)
		var split headScanner
		cut := len(input) / 2
		n1, err1 := split.scan(input[:cut], &lim)
		if err1 == nil && n1 == 0 {
			n1, err1 = split.scan(input, &lim)
		}
		if n != n1 || (err == nil) != (err1 == nil) {
			t.Fatalf("scan whole = %d, %v; in two steps = %d, %v\ninput: %q", n, err, n1, err1, input)
		}
		if err != nil || n == 0 {
			return
		}
		head := input[whole.start:n]
		var r Request
		if err := parseHead(head, &r); err != nil {
			return
		}
		f, err := analyzeHead(&r)
		if err != nil {
			return
		}
		checkAcceptedHead(t, head, &r, f)
	})
}

const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(tchars, rune(s[i])) {
			return false
		}
	}
	return true
}

func checkAcceptedHead(t *testing.T, head []byte, r *Request, f requestFraming) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nhead: %q", append(args, head)...)
	}
	if !isToken(r.Method) {
		fail("accepted method %q is not a token", r.Method)
	}
	if r.Target == "" || strings.ContainsAny(r.Target, " \t\r\n\x00#") {
		fail("accepted target %q", r.Target)
	}
	for i := 0; i < len(r.Target); i++ {
		if r.Target[i] <= 0x20 || r.Target[i] >= 0x7f {
			fail("accepted target %q has byte %#x", r.Target, r.Target[i])
		}
	}
	if r.Proto != "HTTP/1.0" && r.Proto != "HTTP/1.1" {
		fail("accepted proto %q", r.Proto)
	}
	hosts, cls, tes := 0, []string{}, 0
	for name, value := range r.Header.All() {
		if !isToken(name) {
			fail("accepted field name %q", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			fail("accepted field value %q of %q", value, name)
		}
		if value != strings.Trim(value, " \t") {
			fail("field value %q of %q not trimmed", value, name)
		}
		switch strings.ToLower(name) {
		case "host":
			hosts++
		case "content-length":
			cls = append(cls, value)
		case "transfer-encoding":
			tes++
		}
	}
	if hosts > 1 || r.ProtoMinor == 1 && hosts != 1 {
		fail("accepted %d Host fields in %s", hosts, r.Proto)
	}
	if tes > 0 && len(cls) > 0 {
		fail("accepted Transfer-Encoding with Content-Length")
	}
	if tes > 0 && r.ProtoMinor == 0 {
		fail("accepted Transfer-Encoding in HTTP/1.0")
	}
	switch {
	case tes > 0:
		if f.kind != bodyChunked || r.ContentLength != -1 {
			fail("Transfer-Encoding: kind %d, ContentLength %d", f.kind, r.ContentLength)
		}
	case len(cls) > 0:
		// Every value is a list of identical digit strings.
		var want int64 = -1
		for _, v := range cls {
			items := strings.Split(v, ",")
			for _, item := range items {
				item = strings.Trim(item, " \t")
				var n int64
				for i := 0; i < len(item); i++ {
					if item[i] < '0' || item[i] > '9' {
						fail("accepted Content-Length %q", v)
					}
					n = n*10 + int64(item[i]-'0')
				}
				if item == "" || want >= 0 && n != want {
					fail("accepted Content-Length values %q", cls)
				}
				want = n
			}
		}
		if r.ContentLength != want || (want > 0) != (f.kind == bodyLength) || f.kind == bodyLength && f.length != want {
			fail("Content-Length %q gives ContentLength %d, kind %d, length %d", cls, r.ContentLength, f.kind, f.length)
		}
	default:
		if f.kind != bodyNone || r.ContentLength != 0 {
			fail("no framing fields, yet kind %d, ContentLength %d", f.kind, r.ContentLength)
		}
	}
}
