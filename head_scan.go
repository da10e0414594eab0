package httpserver

import "bytes"

// maxLeadingEmptyLines is how many empty lines before a request-line are
// skipped (RFC 9112 §2.2: a server SHOULD ignore at least one).
const maxLeadingEmptyLines = 4

// headScanner finds the end of a request head (request-line and header
// section) in bytes that arrive in pieces. It keeps its position between
// calls so that each byte is examined once.
type headScanner struct {
	start     int // offset of the request-line, after skipped empty lines
	pos       int // where scanning resumes
	lineStart int // offset of the line being scanned
	lines     int // complete lines seen, request-line included
	skipped   int // leading empty lines skipped
}

func (s *headScanner) reset() { *s = headScanner{} }

// scan examines buf (all bytes received for this head so far, starting at
// the same offset on every call) and returns the length of the head
// including its final empty line, or 0 if it is not complete yet.
func (s *headScanner) scan(buf []byte, lim *Limits) (int, error) {
	for {
		i := bytes.IndexByte(buf[s.pos:], '\n')
		if i < 0 {
			s.pos = len(buf)
			return 0, s.checkPartial(len(buf)-s.lineStart, len(buf)-s.start, lim)
		}
		nl := s.pos + i
		// RFC 9112 §2.2: a bare LF is not a line terminator here. A
		// recipient MAY accept one, but two parsers disagreeing on line
		// ends is how requests get smuggled, so only CRLF is accepted.
		if nl == 0 || buf[nl-1] != '\r' || nl-1 < s.lineStart {
			return 0, errBareLF
		}
		lineLen := nl - 1 - s.lineStart
		s.pos = nl + 1
		if lineLen == 0 {
			if s.lines == 0 {
				// RFC 9112 §2.2: ignore empty lines before the
				// request-line, a bounded number of them.
				s.skipped++
				if s.skipped > maxLeadingEmptyLines {
					return 0, errTooManyEmptyLines
				}
				s.start, s.lineStart = s.pos, s.pos
				continue
			}
			if s.pos-s.start > lim.MaxHeaderBytes {
				return 0, errHeaderTooLarge
			}
			return s.pos, nil
		}
		if s.lines == 0 && lineLen > lim.MaxRequestLineBytes {
			return 0, errRequestLineTooLong
		}
		s.lines++
		// The request-line is not a field: lines-1 fields so far.
		if s.lines-1 > lim.MaxHeaderCount {
			return 0, errTooManyHeaders
		}
		if s.pos-s.start > lim.MaxHeaderBytes {
			return 0, errHeaderTooLarge
		}
		s.lineStart = s.pos
	}
}

// checkPartial applies the limits to an incomplete head: a request-line
// still growing past its limit is 414, a head past its limit is 431.
func (s *headScanner) checkPartial(lineLen, headLen int, lim *Limits) error {
	if s.lines == 0 && lineLen > lim.MaxRequestLineBytes {
		return errRequestLineTooLong
	}
	if headLen > lim.MaxHeaderBytes {
		return errHeaderTooLarge
	}
	return nil
}
