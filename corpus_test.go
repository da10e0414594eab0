package httpserver

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestCorpusLLHTTP runs the request fixtures of nodejs/llhttp (an
// independent, widely deployed HTTP/1.1 parser) through the complete
// connection loop with an echo handler and compares our verdict with
// llhttp's:
//
//   - type "request" (llhttp's strict mode): same accept/reject verdict,
//     same number of complete messages, and for each accepted message the
//     same method, request-target and body as llhttp's spans;
//   - type "request-lenient-*": llhttp accepts these only with a leniency
//     flag, so a strict server must reject them;
//   - type "request-finish": judged by llhttp's finish code: 0 means the
//     input ends cleanly, anything else that the last message is incomplete
//     (we must not accept it, and there is nothing to reject yet).
//
// llhttp does not require Host; we do for HTTP/1.1 (RFC 9112 §3.2: a
// request without Host is answered 400). So that this single rule does not
// hide every other comparison, a case with a message lacking Host is run
// with "Host: x" inserted after that message's request-line, and that
// verdict is compared; such cases are counted as their own category.
//
// Every case where we differ from llhttp must be listed in
// knownDifferences with the RFC reason; the test fails on an unlisted
// difference and on a listed case that no longer differs.
func TestCorpusLLHTTP(t *testing.T) {
	dir := llhttpCorpusDir()
	if dir == "" {
		t.Fatal("llhttp corpus not found: expected testdata/llhttp/README.md (or LLHTTP_CORPUS=dir)")
	}
	cases, err := readLLHTTPCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("read only %d cases from %s; the fixture format may have changed", len(cases), dir)
	}
	// The normalised input must hold every span llhttp logged at the offset
	// it logged it: this checks our reading of the fixture format.
	for _, c := range cases {
		for _, sp := range c.log.spans {
			if c.unevaluated == "" && !sp.matches(c.input) {
				t.Errorf("%s: input normalisation: span %q not at offset %d of %q", c.key(), sp.value, sp.off, c.input)
			}
		}
	}
	var (
		counts   = map[string]int{}
		differed = map[string]bool{}
		skipped  []string
	)
	for _, c := range cases {
		if c.unevaluated != "" {
			skipped = append(skipped, fmt.Sprintf("%s (expression %q)", c.key(), c.unevaluated))
			counts["skipped"]++
			continue
		}
		verdict, hostInserted, headTerminated := judgeLLHTTPCase(c)
		switch {
		case verdict == "" && headTerminated:
			counts["agree (head terminated)"]++
		case verdict == "" && hostInserted:
			counts["agree (Host inserted)"]++
		case verdict == "":
			counts["agree"]++
		default:
			differed[c.key()] = true
			reason, known := knownDifferences[c.key()]
			if known {
				counts["known difference"]++
				t.Logf("known difference %s: %s\n\twhy: %s", c.key(), verdict, reason)
			} else {
				counts["UNEXPECTED difference"]++
				t.Errorf("%s: %s\ninput: %q", c.key(), verdict, c.input)
			}
		}
		if _, rej := runEcho(c.input).rejected(); rej {
			counts["rejected (as sent)"]++
		} else {
			counts["accepted (as sent)"]++
		}
	}
	var stale []string
	for k := range knownDifferences {
		if !differed[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("knownDifferences lists %q, which no longer differs (or no longer exists): remove it", k)
	}
	for _, s := range skipped {
		t.Logf("skipped %s", s)
	}
	var summary []string
	for _, k := range []string{"agree", "agree (Host inserted)", "agree (head terminated)", "known difference", "UNEXPECTED difference", "skipped", "accepted (as sent)", "rejected (as sent)"} {
		summary = append(summary, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	t.Logf("llhttp corpus: %d cases: %s", len(cases), strings.Join(summary, " "))
}

// llhttpCorpusDir finds the fixtures: LLHTTP_CORPUS if set, else the copy
// kept in testdata/llhttp (MIT, see its LICENSE), so every clone runs them.
// It returns "" when the directory holds no README.md.
func llhttpCorpusDir() string {
	d := os.Getenv("LLHTTP_CORPUS")
	if d == "" {
		d = filepath.Join("testdata", "llhttp")
	}
	if st, err := os.Stat(filepath.Join(d, "README.md")); err == nil && !st.IsDir() {
		return d
	}
	return ""
}

// llhttpPausedUpgrade is llhttp's HPE_PAUSED_UPGRADE: not a rejection but
// llhttp handing the connection to the application after a CONNECT or
// Upgrade request. Our echo handler does not take the connection over, so
// such a case is compared as "messages accepted, no rejection".
const llhttpPausedUpgrade = 22

// judgeLLHTTPCase runs a case and returns "" when our verdict agrees with
// llhttp's, or a description of the difference. It also reports how the
// input had to be adjusted: Host inserted (see TestCorpusLLHTTP), or the
// head terminated.
//
// Head termination: llhttp parses byte by byte and rejects a bad field
// while the head is still arriving; we read the complete head (up to its
// empty line) before parsing it, so when a fixture ends inside the head we
// have nothing to reject yet and simply see the client go away. When
// llhttp rejected and we did not, the case is run again with CRLF CRLF
// appended, which ends the head, and that verdict is compared.
func judgeLLHTTPCase(c *llhttpCase) (diff string, hostInserted, headTerminated bool) {
	input, hostInserted := insertMissingHost(c.input, &c.log)
	diff, rejected := judgeLLHTTPInput(c, input)
	llhttpRejects := strings.HasPrefix(c.typ, "request-lenient") ||
		c.log.errText != "" && c.log.errCode != llhttpPausedUpgrade
	if diff != "" && !rejected && llhttpRejects {
		terminated := append(append([]byte(nil), input...), "\r\n\r\n"...)
		if d, _ := judgeLLHTTPInput(c, terminated); d == "" {
			return "", hostInserted, true
		}
	}
	return diff, hostInserted, false
}

// judgeLLHTTPInput compares our verdict on input with llhttp's verdict on
// the case. It also reports whether we rejected.
func judgeLLHTTPInput(c *llhttpCase, input []byte) (string, bool) {
	x := runEcho(input)
	if x.err != nil {
		return "malformed server output: " + x.err.Error(), false
	}
	status, rejected := x.rejected()
	accepted := x.accepted()
	ours := fmt.Sprintf("we accept %d message(s)", accepted)
	if rejected {
		ours += fmt.Sprintf(" then reject with %d", status)
	} else {
		ours += " and do not reject"
	}

	switch {
	case strings.HasPrefix(c.typ, "request-lenient"):
		// Strict llhttp rejects these; so must we.
		if !rejected {
			return "llhttp (strict) rejects, " + ours, rejected
		}
		return "", rejected
	case c.typ == "request-finish":
		want := c.log.completes()
		if rejected || accepted != want {
			return fmt.Sprintf("llhttp completes %d message(s), finish=%d; %s", want, c.log.finish, ours), rejected
		}
		return compareLLHTTPMessages(c, x), rejected
	}

	want := c.log.completes()
	errored := c.log.errText != "" && c.log.errCode != llhttpPausedUpgrade
	theirs := fmt.Sprintf("llhttp completes %d message(s)", want)
	if c.log.errText != "" {
		theirs += " then " + c.log.errText
	}
	if c.skipBody {
		theirs += " (with skipBody)"
	}
	if rejected != errored || accepted != want {
		return theirs + "; " + ours, rejected
	}
	return compareLLHTTPMessages(c, x), rejected
}

// compareLLHTTPMessages compares method, target and body of each message
// both accepted.
func compareLLHTTPMessages(c *llhttpCase, x *exchangeResult) string {
	i := 0
	for _, m := range c.log.messages {
		if !m.complete || m.spansUnparseable {
			continue
		}
		if i >= len(x.parsed) {
			break
		}
		got := x.parsed[i]
		i++
		switch {
		case got.Method != m.method:
			return fmt.Sprintf("message %d: method %q, llhttp %q", i, got.Method, m.method)
		case got.Target != m.url:
			return fmt.Sprintf("message %d: target %q, llhttp %q", i, got.Target, m.url)
		case string(got.Body) != m.body:
			return fmt.Sprintf("message %d: body %q, llhttp %q", i, got.Body, m.body)
		}
	}
	return ""
}

// knownDifferences lists every fixture where our verdict differs from
// llhttp's, with the reason. Keys are "file.md: title".
var knownDifferences = map[string]string{
	// Connection: close. We stop after a response with "Connection:
	// close" and never read what follows (RFC 9112 §9.6: a server that
	// sends close MUST NOT process further requests; §9.3: HTTP/1.0
	// without keep-alive closes). llhttp reports the extra bytes as an
	// error instead. Either way the second request is never served.
	"connection.md: No restart when keep-alive is off (1.0)":                                 dataAfterClose,
	"connection.md: Resetting flags when keep-alive is off (1.0, lenient)":                   dataAfterClose,
	"connection.md: CRLF between requests, explicit `close`":                                 dataAfterClose,
	"connection.md: CRLF between requests, explicit `close` followed by tab":                 dataAfterClose,
	"connection.md: CRLF between requests, explicit `close` (lenient)":                       dataAfterClose,
	"content-length.md: Content-Length reset when no body is received":                       "skipBody is an llhttp callback (the application declares that a message has no body, as for a response to HEAD); it has no equivalent for requests on a server, which must read Content-Length bytes (RFC 9112 §6.3 rule 6).",
	"invalid.md: HTTP protocol and ANNOUNCE method":                                          extensibleMethod,
	"invalid.md: Invalid method":                                                             extensibleMethod,
	"method.md: CONNECT with body":                                                           "llhttp hands everything after a CONNECT head to the tunnel; RFC 9110 §9.3.6 says a CONNECT request has no content, so a declared body makes the framing ambiguous (body or tunnel bytes?) and we answer 400.",
	"method.md: M-SEARCH request":                                                            "M-SEARCH * HTTP/1.1: the asterisk-form is only for OPTIONS (RFC 9112 §3.2.4); we answer 400.",
	"method.md: SOURCE request with ICE":                                                     notHTTPVersion,
	"method.md: OPTIONS request with RTSP":                                                   notHTTPVersion,
	"method.md: ANNOUNCE request with RTSP":                                                  notHTTPVersion,
	"sample.md: No HTTP version":                                                             "HTTP/0.9-style request-line without a version: RFC 9112 §3 requires the HTTP-version; we answer 400.",
	"transfer-encoding.md: POST with `chunked` as last transfer-encoding":                    fragmentInTarget,
	"transfer-encoding.md: POST with `chunked` as last transfer-encoding (multiple headers)": fragmentInTarget,
	"uri.md: Quotes in URI":                                                                  "'\"' is not a URI character (RFC 3986 §2, RFC 9112 §3.2): invalid request-target, 400.",
	"uri.md: Query URL with vertical bar character":                                          "'|' is not a URI character (RFC 3986 §2, RFC 9112 §3.2): invalid request-target, 400.",
	"uri.md: Fragment in URI":                                                                fragmentInTarget,
	"uri.md: `host:port` and basic auth":                                                     "userinfo in an http(s) URI is deprecated and must be treated as an error (RFC 9110 §4.2.4); we answer 400.",
}

const (
	dataAfterClose   = "after Connection: close we do not read further requests (RFC 9112 §9.6) where llhttp reports the extra data as an error; the second request is not served either way"
	extensibleMethod = "llhttp knows a fixed list of methods; a method is any token (RFC 9110 §9.1, §16.1: the method namespace is extensible), so we accept it and leave it to the handler (501 is the handler's choice)"
	notHTTPVersion   = "llhttp also parses ICE/RTSP versions; RFC 9112 §2.3: HTTP-version = \"HTTP/\" DIGIT \".\" DIGIT, anything else is an invalid request-line, 400"
	fragmentInTarget = "'#' in the request-target: a fragment is never sent in a request (RFC 9112 §3.2, origin-form = absolute-path [ \"?\" query ]), so the request-line is invalid, 400"
)

// TestLLHTTPInputNormalisation checks the fixture input rules of the corpus
// README on small inputs, including the ${...} expressions.
func TestLLHTTPInputNormalisation(t *testing.T) {
	tests := []struct {
		in, want, unevaluated string
	}{
		{"GET / HTTP/1.1\nA: b\n", "GET / HTTP/1.1\r\nA: b\r\n", ""},
		{"GET / HTTP/1.1\\n\\\nA: b", "GET / HTTP/1.1\nA: b", ""},
		{`a\tb\fc\rd\ne`, "a\tb\fc\rd\ne", ""},
		{`Foo\01\test`, "Foo\x01\test", ""},
		{`\r\033\065\325x`, "\r\x1b5\xd5x", ""},
		{`\x41\xff`, "A\xff", ""},
		{`X: ${"a".repeat(5)}!`, "X: aaaaa!", ""},
		{`X: ${'ab'.repeat(2)}`, "X: abab", ""},
		{`X: ${Math.random()}`, "X: ${Math.random()}", "Math.random()"},
	}
	for _, tt := range tests {
		got, unevaluated := normaliseLLHTTPInput(tt.in)
		if string(got) != tt.want || unevaluated != tt.unevaluated {
			t.Errorf("normaliseLLHTTPInput(%q) = %q, %q; want %q, %q", tt.in, got, unevaluated, tt.want, tt.unevaluated)
		}
	}
}
