package httpserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Reading the llhttp request fixtures (nodejs/llhttp test/request/*.md,
// see testdata/llhttp/README.md for the format). The comparison
// itself is in corpus_test.go.

// llhttpCase is one fixture: a titled input with llhttp's log.
type llhttpCase struct {
	file, title string
	typ         string // meta "type": request, request-lenient-*, request-finish
	skipBody    bool   // meta "skipBody": the harness told llhttp to skip a body
	input       []byte // normalised input bytes
	unevaluated string // a ${...} expression we cannot evaluate, if any
	log         llhttpLog
}

// key names the case in knownDifferences: "file.md: title", with " #N"
// appended for a repeated title in the same file.
func (c *llhttpCase) key() string { return c.file + ": " + c.title }

// llhttpMessage is what llhttp's spans say about one message.
type llhttpMessage struct {
	begin            int // offset of "message begin"
	method, url      string
	body             string
	complete         bool
	spansUnparseable bool // a span value we could not unquote
}

// llhttpLog is llhttp's verdict on a fixture.
type llhttpLog struct {
	messages []llhttpMessage
	errCode  int
	errText  string // the error line, if llhttp rejected the input
	finish   int    // "finish=N" of request-finish cases, -1 if absent
	spans    []llhttpSpanAt
}

// matches reports whether input holds the span at its offset, reading the
// logged text as UTF-8 or, failing that, as latin1 (see latin1).
func (sp llhttpSpanAt) matches(input []byte) bool {
	for _, v := range []string{sp.value, latin1(sp.value)} {
		if sp.off+len(v) <= len(input) && string(input[sp.off:sp.off+len(v)]) == v {
			return true
		}
	}
	return false
}

// llhttpSpanAt is a span with its offset in the input, to check the input
// normalisation against llhttp's own offsets.
type llhttpSpanAt struct {
	off   int
	value string
}

func (l *llhttpLog) completes() int {
	n := 0
	for _, m := range l.messages {
		if m.complete {
			n++
		}
	}
	return n
}

// readLLHTTPCorpus parses every *.md fixture file in dir.
func readLLHTTPCorpus(dir string) ([]*llhttpCase, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	var all []*llhttpCase
	for _, f := range files {
		if filepath.Base(f) == "README.md" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		cases, err := parseLLHTTPFile(filepath.Base(f), string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		all = append(all, cases...)
	}
	return all, nil
}

// parseLLHTTPFile splits a fixture file into cases: the nearest heading is
// the title; a meta comment, an http fence and a log fence follow it.
func parseLLHTTPFile(name, text string) ([]*llhttpCase, error) {
	lines := strings.Split(text, "\n")
	var (
		cases []*llhttpCase
		title string
		cur   *llhttpCase
		seen  = map[string]int{}
	)
	for i := 0; i < len(lines); i++ {
		ln := strings.TrimRight(lines[i], "\r")
		switch {
		case strings.HasPrefix(ln, "#"):
			title = strings.TrimSpace(strings.TrimLeft(ln, "#"))
		case strings.HasPrefix(ln, "<!-- meta="):
			raw := strings.TrimSuffix(strings.TrimPrefix(ln, "<!-- meta="), "-->")
			var meta struct {
				Type     string `json:"type"`
				SkipBody bool   `json:"skipBody"`
			}
			if err := json.Unmarshal([]byte(raw), &meta); err != nil {
				return nil, fmt.Errorf("line %d: meta %q: %v", i+1, raw, err)
			}
			seen[title]++
			t := title
			if n := seen[title]; n > 1 {
				t = fmt.Sprintf("%s #%d", title, n)
			}
			cur = &llhttpCase{file: name, title: t, typ: meta.Type, skipBody: meta.SkipBody}
			cases = append(cases, cur)
		case ln == "```http" || ln == "```log":
			var block []string
			j := i + 1
			for ; j < len(lines) && strings.TrimRight(lines[j], "\r") != "```"; j++ {
				block = append(block, strings.TrimRight(lines[j], "\r"))
			}
			if j == len(lines) {
				return nil, fmt.Errorf("line %d: unterminated fence", i+1)
			}
			i = j
			if cur == nil {
				return nil, fmt.Errorf("line %d: fence without a meta comment", i+1)
			}
			if ln == "```http" {
				cur.input, cur.unevaluated = normaliseLLHTTPInput(strings.Join(block, "\n"))
			} else {
				cur.log = parseLLHTTPLog(block)
			}
		}
	}
	return cases, nil
}

var (
	llhttpEscape  = regexp.MustCompile(`\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|[rntf])`)
	llhttpExpr    = regexp.MustCompile(`\$\{(.+?)\}`)
	llhttpRepeat  = regexp.MustCompile(`^\s*(["'])(.*?)(["'])\.repeat\(\s*(\d+)\s*\)\s*$`)
	llhttpLogLine = regexp.MustCompile(`^off=(\d+|NULL) (.*)$`)
	llhttpSpan    = regexp.MustCompile(`^len=\d+ span\[([a-z_]+)\]=(".*")$`)
)

// normaliseLLHTTPInput applies the fixture input rules of the corpus README:
// (the trailing newline is already gone: the block is its lines joined)
// line continuations removed, newlines to CRLF, escapes replaced, ${...}
// evaluated. It returns the expression it could not evaluate, if any.
func normaliseLLHTTPInput(s string) ([]byte, string) {
	s = strings.ReplaceAll(s, "\\\n", "")
	s = strings.ReplaceAll(s, "\n", "\r\n")
	s = llhttpEscape.ReplaceAllStringFunc(s, func(m string) string {
		switch e := m[1:]; {
		case e == "r":
			return "\r"
		case e == "n":
			return "\n"
		case e == "t":
			return "\t"
		case e == "f":
			return "\f"
		case e[0] == 'x':
			v, _ := strconv.ParseUint(e[1:], 16, 8)
			return string([]byte{byte(v)})
		default:
			v, _ := strconv.ParseUint(e, 8, 16)
			return string([]byte{byte(v)})
		}
	})
	var unevaluated string
	s = llhttpExpr.ReplaceAllStringFunc(s, func(m string) string {
		expr := llhttpExpr.FindStringSubmatch(m)[1]
		// The only JavaScript the fixtures use: "str".repeat(N).
		if r := llhttpRepeat.FindStringSubmatch(expr); r != nil && r[1] == r[3] {
			n, err := strconv.Atoi(r[4])
			if err == nil && n <= 1<<20 {
				return strings.Repeat(r[2], n)
			}
		}
		unevaluated = expr
		return m
	})
	return []byte(s), unevaluated
}

// parseLLHTTPLog reads the events of a log block.
func parseLLHTTPLog(lines []string) llhttpLog {
	l := llhttpLog{finish: -1}
	var cur *llhttpMessage
	for _, ln := range lines {
		m := llhttpLogLine.FindStringSubmatch(ln)
		if m == nil {
			continue
		}
		off, ev := m[1], m[2]
		switch {
		case ev == "message begin":
			begin, _ := strconv.Atoi(off)
			l.messages = append(l.messages, llhttpMessage{begin: begin})
			cur = &l.messages[len(l.messages)-1]
		case ev == "message complete" && cur != nil:
			cur.complete = true
		case strings.HasPrefix(ev, "error code="):
			l.errText = ev
			fmt.Sscanf(ev, "error code=%d", &l.errCode)
		case strings.HasPrefix(ev, "finish="):
			l.finish, _ = strconv.Atoi(strings.TrimPrefix(ev, "finish="))
		case cur != nil:
			s := llhttpSpan.FindStringSubmatch(ev)
			if s == nil {
				continue
			}
			v, err := strconv.Unquote(s[2])
			if err != nil {
				cur.spansUnparseable = true
				continue
			}
			if n, err := strconv.Atoi(off); err == nil {
				l.spans = append(l.spans, llhttpSpanAt{n, v})
			}
			switch s[1] {
			case "method":
				cur.method += v
			case "url":
				cur.url += v
			case "body":
				cur.body += v
			}
		}
	}
	return l
}

// insertMissingHost returns input with "Host: x" inserted after the
// request-line of every message (located by llhttp's "message begin"
// offsets) whose head has no Host field line, and whether it changed
// anything.
func insertMissingHost(input []byte, l *llhttpLog) ([]byte, bool) {
	out := string(input)
	changed := false
	for i := len(l.messages) - 1; i >= 0; i-- {
		begin := l.messages[i].begin
		if begin > len(out) {
			continue
		}
		head := out[begin:]
		if end := strings.Index(head, "\r\n\r\n"); end >= 0 {
			head = head[:end]
		}
		if headHasHost(head) {
			continue
		}
		eol := strings.IndexByte(out[begin:], '\n')
		if eol < 0 {
			continue
		}
		at := begin + eol + 1
		out = out[:at] + "Host: x\r\n" + out[at:]
		changed = true
	}
	return []byte(out), changed
}

func headHasHost(head string) bool {
	sc := bufio.NewScanner(strings.NewReader(head))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, _, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "host") {
			return true
		}
	}
	return false
}

// latin1 turns the text of a logged span back into bytes where the log
// shows a byte that is not valid UTF-8 as one character: 0xFF appears as
// "ÿ" (U+00FF), while valid UTF-8 such as "ü" is shown decoded.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return s
		}
		b = append(b, byte(r))
	}
	return string(b)
}
