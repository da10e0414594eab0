package httpserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// This file holds the echo handler and the response reader shared by the
// corpus test, the fuzz targets and the differential test: the handler
// reads the whole body and answers 200 with a compact description of what
// the server parsed; readResponses splits raw server output into responses
// with net/http's independent parser.

// echoRecord is what the echo handler saw of one request. Strings are
// copies: the request's own strings alias buffers the server reuses.
type echoRecord struct {
	Method, Target, Path, Proto, Host string
	Header                            [][2]string
	Trailer                           [][2]string
	Body                              []byte
	BodyErr                           error
}

// echoHandler records every request it serves and answers 200 with the
// record encoded by encodeEcho. When reading the body fails it writes
// nothing, so that the server answers the body error itself.
type echoHandler struct {
	mu      sync.Mutex
	records []echoRecord
}

func (e *echoHandler) ServeHTTP(w ResponseWriter, r *Request) {
	body, err := io.ReadAll(r.Body)
	rec := echoRecord{
		Method: strings.Clone(r.Method), Target: strings.Clone(r.Target),
		Path: strings.Clone(r.Path), Proto: strings.Clone(r.Proto),
		Host: strings.Clone(r.Host), Body: body, BodyErr: err,
	}
	for name, value := range r.Header.All() {
		rec.Header = append(rec.Header, [2]string{strings.Clone(name), strings.Clone(value)})
	}
	for name, value := range r.Trailer.All() {
		rec.Trailer = append(rec.Trailer, [2]string{strings.Clone(name), strings.Clone(value)})
	}
	e.mu.Lock()
	e.records = append(e.records, rec)
	e.mu.Unlock()
	if err != nil {
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(encodeEcho(&rec))
}

func (e *echoHandler) snapshot() []echoRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]echoRecord(nil), e.records...)
}

// encodeEcho describes a request as lines "key quoted-value".
func encodeEcho(rec *echoRecord) []byte {
	var b []byte
	line := func(k, v string) {
		b = append(b, k...)
		b = append(b, ' ')
		b = strconv.AppendQuote(b, v)
		b = append(b, '\n')
	}
	line("method", rec.Method)
	line("target", rec.Target)
	line("path", rec.Path)
	line("proto", rec.Proto)
	line("host", rec.Host)
	for _, f := range rec.Header {
		line("header", f[0]+": "+f[1])
	}
	line("body", string(rec.Body))
	return b
}

// decodeEcho parses what encodeEcho wrote back into a record.
func decodeEcho(p []byte) (echoRecord, error) {
	var rec echoRecord
	for _, ln := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		k, q, ok := strings.Cut(ln, " ")
		if !ok {
			return rec, fmt.Errorf("echo line %q has no value", ln)
		}
		v, err := strconv.Unquote(q)
		if err != nil {
			return rec, fmt.Errorf("echo line %q: %v", ln, err)
		}
		switch k {
		case "method":
			rec.Method = v
		case "target":
			rec.Target = v
		case "path":
			rec.Path = v
		case "proto":
			rec.Proto = v
		case "host":
			rec.Host = v
		case "header":
			name, value, _ := strings.Cut(v, ": ")
			rec.Header = append(rec.Header, [2]string{name, value})
		case "body":
			rec.Body = []byte(v)
		default:
			return rec, fmt.Errorf("unknown echo key %q", k)
		}
	}
	return rec, nil
}

// rawResponse is one final response read back from the server's output.
type rawResponse struct {
	Status int
	Close  bool // Connection: close
	Body   []byte
}

// readResponses parses out, the server's raw output, as a sequence of
// HTTP/1.1 responses with net/http (an independent parser). Interim 1xx
// responses are skipped. methods gives the request method of each final
// response in order, so that responses to HEAD are read without a body;
// beyond it (a request rejected before a handler saw it) the response is
// read as one to GET or, failing that, to HEAD. It fails on anything that
// is not a well-formed response, including bytes after a response that
// closes the connection.
func readResponses(out []byte, methods []string) ([]rawResponse, error) {
	var resps []rawResponse
	for off := 0; off < len(out); {
		if len(resps) > 0 && resps[len(resps)-1].Close {
			rest := out[off:]
			return resps, fmt.Errorf("%d bytes after a response with Connection: close: %q", len(rest), truncate(rest))
		}
		var (
			resp rawResponse
			n    int
			err  error
		)
		if len(resps) < len(methods) {
			resp, n, err = readOneResponse(out[off:], methods[len(resps)])
		} else if resp, n, err = readOneResponse(out[off:], "GET"); err != nil {
			resp, n, err = readOneResponse(out[off:], "HEAD")
		}
		if err != nil {
			return resps, fmt.Errorf("response %d: %v", len(resps)+1, err)
		}
		off += n
		if resp.Status >= 200 {
			resps = append(resps, resp)
		}
	}
	return resps, nil
}

// readOneResponse reads the response at the start of b, sent for a request
// with the given method, and returns it with its length in bytes.
func readOneResponse(b []byte, method string) (rawResponse, int, error) {
	r := bytes.NewReader(b)
	br := bufio.NewReader(r)
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return rawResponse{}, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return rawResponse{}, 0, fmt.Errorf("body: %v", err)
	}
	if resp.ProtoMajor != 1 || resp.ProtoMinor != 1 {
		return rawResponse{}, 0, fmt.Errorf("version %s", resp.Proto)
	}
	if resp.StatusCode == 101 {
		return rawResponse{}, 0, fmt.Errorf("unexpected 101 response")
	}
	n := len(b) - r.Len() - br.Buffered()
	return rawResponse{Status: resp.StatusCode, Close: resp.Close, Body: body}, n, nil
}

func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// exchangeResult is the outcome of one connection fed with raw bytes.
type exchangeResult struct {
	records []echoRecord  // requests the handler saw
	resps   []rawResponse // final responses written
	parsed  []echoRecord  // the echo of each 200 response, decoded
	err     error         // the output was not well-formed
}

// accepted returns the number of leading requests answered 200.
func (x *exchangeResult) accepted() int {
	n := 0
	for _, r := range x.resps {
		if r.Status != 200 {
			break
		}
		n++
	}
	return n
}

// rejected reports whether the connection ended with an error response the
// server chose (a 4xx/5xx), as opposed to the input simply ending: a body
// cut short by the end of input also ends in an error response, which is
// not counted as a rejection.
func (x *exchangeResult) rejected() (int, bool) {
	n := x.accepted()
	if n >= len(x.resps) {
		return 0, false
	}
	if n < len(x.records) && errors.Is(x.records[n].BodyErr, io.ErrUnexpectedEOF) {
		return 0, false
	}
	return x.resps[n].Status, true
}

// runEcho feeds input to a server with an echo handler.
func runEcho(input []byte, configure ...func(*Server)) *exchangeResult {
	h := &echoHandler{}
	out := serveBytes(h, input, configure...)
	x := &exchangeResult{records: h.snapshot()}
	methods := make([]string, len(x.records))
	for i, r := range x.records {
		methods[i] = r.Method
	}
	x.resps, x.err = readResponses(out, methods)
	for i, r := range x.resps {
		if r.Status != 200 {
			break
		}
		if i < len(x.records) && x.records[i].Method == "HEAD" {
			// A response to HEAD has no body to decode.
			x.parsed = append(x.parsed, x.records[i])
			continue
		}
		rec, err := decodeEcho(r.Body)
		if err != nil && x.err == nil {
			x.err = fmt.Errorf("response %d: %v", i+1, err)
		}
		x.parsed = append(x.parsed, rec)
	}
	return x
}
