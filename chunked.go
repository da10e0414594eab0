package httpserver

import (
	"io"

	"github.com/rawsock/httpserver/internal/syntax"
)

// Decoding of the chunked transfer coding (RFC 9112 §7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	chunk-size   = 1*HEXDIG
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF

// chunkState is where the decoder is within the chunked body.
type chunkState uint8

const (
	chunkSizeLine chunkState = iota // expecting a chunk-size line
	chunkData                       // inside chunk-data; remaining bytes left
	chunkDataEnd                    // expecting the CRLF after chunk-data
)

const (
	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 4 << 10
	// maxChunkSizeDigits keeps a chunk size below 2^60.
	maxChunkSizeDigits = 15
)

var errMalformedChunk = &ProtocolError{Status: StatusBadRequest, Reason: "malformed chunked encoding", Err: ErrMalformedBody}

func malformedChunk(what string, input []byte) error {
	pe := badRequest(what, string(input))
	pe.Err = ErrMalformedBody
	return pe
}

func (b *body) readChunked(p []byte) (int, error) {
	for {
		switch b.chunk {
		case chunkSizeLine:
			line, err := b.c.readLine(maxChunkLine)
			if err != nil {
				return 0, chunkLineError(err)
			}
			size, err := parseChunkSizeLine(line)
			if err != nil {
				return 0, err
			}
			if size == 0 {
				if err := b.readTrailers(); err != nil {
					return 0, err
				}
				b.done = true
				b.c.inputDrained()
				return 0, io.EOF
			}
			// The limit is checked against the declared size, before
			// any of the chunk is read.
			if b.total+size > b.limit {
				return 0, &ProtocolError{Status: StatusRequestEntityTooLarge, Reason: "chunked body exceeds the limit", Err: ErrBodyTooLarge}
			}
			b.remaining = size
			b.chunk = chunkData
		case chunkData:
			n, err := b.readData(p)
			if b.remaining == 0 {
				b.chunk = chunkDataEnd
			}
			return n, err
		case chunkDataEnd:
			line, err := b.c.readLine(2)
			if err != nil {
				return 0, chunkLineError(err)
			}
			// RFC 9112 §7.1: chunk-data is followed by exactly CRLF.
			if len(line) != 0 {
				return 0, malformedChunk("chunk data not followed by CRLF:", line)
			}
			b.chunk = chunkSizeLine
		}
	}
}

// chunkLineError maps a failure to read a chunk line: a line that is too
// long or not CRLF-terminated is malformed; a closed connection is an
// unexpected EOF.
func chunkLineError(err error) error {
	if err == errLineTooLong || err == errBareLF {
		return errMalformedChunk
	}
	return bodyReadError(0, err)
}

// parseChunkSizeLine parses chunk-size [ chunk-ext ] without the CRLF.
func parseChunkSizeLine(line []byte) (int64, error) {
	i := 0
	var size int64
	for i < len(line) {
		d, ok := syntax.Unhex(line[i])
		if !ok {
			break
		}
		size = size<<4 | int64(d)
		i++
	}
	// RFC 9112 §7.1: chunk-size = 1*HEXDIG, no sign, no prefix, no
	// whitespace before it; we also cap its length against overflow.
	if i == 0 {
		return 0, malformedChunk("invalid chunk size", line)
	}
	if i > maxChunkSizeDigits {
		return 0, malformedChunk("chunk size too large", line)
	}
	if err := checkChunkExtensions(line[i:]); err != nil {
		return 0, err
	}
	return size, nil
}

// checkChunkExtensions validates
//
//	chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//
// (RFC 9112 §7.1.1). Extensions are ignored once valid; anything else after
// the size, such as a bare space, is rejected.
func checkChunkExtensions(ext []byte) error {
	orig := ext
	for len(ext) > 0 {
		ext = skipBWS(ext)
		if len(ext) == 0 || ext[0] != ';' {
			return malformedChunk("invalid chunk extension", orig)
		}
		ext = skipBWS(ext[1:])
		n := syntax.TokenLen(ext)
		if n == 0 {
			return malformedChunk("invalid chunk extension name", orig)
		}
		ext = ext[n:]
		rest := skipBWS(ext)
		if len(rest) == 0 || rest[0] != '=' {
			if len(rest) != 0 && rest[0] != ';' {
				return malformedChunk("invalid chunk extension", orig)
			}
			ext = rest
			continue
		}
		ext = skipBWS(rest[1:])
		if len(ext) > 0 && ext[0] == '"' {
			n = syntax.QuotedStringLen(ext)
		} else {
			n = syntax.TokenLen(ext)
		}
		if n == 0 {
			return malformedChunk("invalid chunk extension value", orig)
		}
		ext = ext[n:]
		if rest := skipBWS(ext); len(rest) != 0 && rest[0] != ';' {
			return malformedChunk("invalid chunk extension", orig)
		}
	}
	return nil
}

func skipBWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// readTrailers reads the trailer section after the last chunk into
// b.trailer (RFC 9112 §7.1.2), bounded like a header section.
func (b *body) readTrailers() error {
	lim := &b.c.srv.cfg.limits
	size, count := 0, 0
	for {
		line, err := b.c.readLine(lim.MaxHeaderBytes)
		if err != nil {
			return chunkLineError(err)
		}
		if len(line) == 0 {
			return nil
		}
		size += len(line) + 2
		count++
		if size > lim.MaxHeaderBytes || count > lim.MaxHeaderCount {
			return &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "trailer section exceeds the limit", Err: ErrMalformedBody}
		}
		// The line lives in the read buffer, which is reused; keep a
		// copy for the handler.
		line = b.c.keepBytes(line)
		var tmp Header
		if err := parseFieldLine(line, &tmp); err != nil {
			pe := err.(*ProtocolError)
			pe.Err = ErrMalformedBody
			return pe
		}
		f := tmp.fields[0]
		// RFC 9110 §6.5.1: trailer fields that frame, route or
		// authenticate the message must not be merged with the header;
		// they are dropped.
		if !prohibitedTrailer(f.name) {
			b.trailer.Add(f.name, f.value)
		}
	}
}

func prohibitedTrailer(name string) bool {
	for _, p := range [...]string{"Transfer-Encoding", "Content-Length", "Host", "Trailer",
		"Content-Encoding", "Content-Type", "Content-Range", "Authorization",
		"Cache-Control", "Expect", "Connection", "Te", "Max-Forwards", "Range", "Cookie"} {
		if equalFold(name, p) {
			return true
		}
	}
	return false
}
