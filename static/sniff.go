package static

import "bytes"

// sniffLen is how many leading bytes content sniffing looks at (WHATWG MIME
// Sniffing §7, "resource header").
const sniffLen = 512

// sniffSig is one signature of the WHATWG MIME Sniffing tables (§7.1 and
// §6): data matches when data[i]&mask[i] == pattern[i] for every i, after
// leading whitespace when skipWS is set.
type sniffSig struct {
	pattern, mask []byte
	skipWS        bool
	ctype         string
	// tagEnd requires a tag-terminating byte (space or '>') after the
	// pattern, as for the HTML signatures.
	tagEnd bool
}

func htmlSig(tag string) sniffSig {
	p := []byte(tag)
	m := make([]byte, len(p))
	for i, c := range p {
		m[i] = 0xff
		if 'A' <= c && c <= 'Z' {
			m[i] = 0xdf // case-insensitive letter
		}
	}
	return sniffSig{pattern: p, mask: m, skipWS: true, ctype: "text/html; charset=utf-8", tagEnd: true}
}

func exact(p, ctype string) sniffSig {
	m := bytes.Repeat([]byte{0xff}, len(p))
	return sniffSig{pattern: []byte(p), mask: m, ctype: ctype}
}

func masked(p, m, ctype string) sniffSig {
	return sniffSig{pattern: []byte(p), mask: []byte(m), ctype: ctype}
}

var sniffSigs = []sniffSig{
	htmlSig("<!DOCTYPE HTML"), htmlSig("<HTML"), htmlSig("<HEAD"),
	htmlSig("<SCRIPT"), htmlSig("<IFRAME"), htmlSig("<H1"), htmlSig("<DIV"),
	htmlSig("<FONT"), htmlSig("<TABLE"), htmlSig("<A"), htmlSig("<STYLE"),
	htmlSig("<TITLE"), htmlSig("<B"), htmlSig("<BODY"), htmlSig("<BR"),
	htmlSig("<P"), htmlSig("<!--"),
	{pattern: []byte("<?xml"), mask: []byte{0xff, 0xff, 0xff, 0xff, 0xff}, skipWS: true, ctype: "text/xml; charset=utf-8"},
	exact("%PDF-", "application/pdf"),
	exact("%!PS-Adobe-", "application/postscript"),
	exact("\xFE\xFF", "text/plain; charset=utf-16be"),
	exact("\xFF\xFE", "text/plain; charset=utf-16le"),
	exact("\xEF\xBB\xBF", "text/plain; charset=utf-8"),
	// images (§6.1)
	exact("\x00\x00\x01\x00", "image/x-icon"),
	exact("\x00\x00\x02\x00", "image/x-icon"),
	exact("BM", "image/bmp"),
	exact("GIF87a", "image/gif"),
	exact("GIF89a", "image/gif"),
	masked("RIFF\x00\x00\x00\x00WEBPVP", "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF", "image/webp"),
	exact("\x89PNG\x0D\x0A\x1A\x0A", "image/png"),
	exact("\xFF\xD8\xFF", "image/jpeg"),
	// audio and video (§6.2)
	masked("FORM\x00\x00\x00\x00AIFF", "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF", "audio/aiff"),
	exact("ID3", "audio/mpeg"),
	exact("OggS\x00", "application/ogg"),
	exact("MThd\x00\x00\x00\x06", "audio/midi"),
	masked("RIFF\x00\x00\x00\x00AVI ", "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF", "video/avi"),
	masked("RIFF\x00\x00\x00\x00WAVE", "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF", "audio/wave"),
	exact("\x1A\x45\xDF\xA3", "video/webm"),
	// fonts (§6.3)
	exact("\x00\x01\x00\x00", "font/ttf"),
	exact("OTTO", "font/otf"),
	exact("ttcf", "font/collection"),
	exact("wOFF", "font/woff"),
	exact("wOF2", "font/woff2"),
	// archives (§6.4)
	exact("\x1F\x8B\x08", "application/x-gzip"),
	exact("PK\x03\x04", "application/zip"),
	exact("Rar!\x1A\x07\x00", "application/x-rar-compressed"),
	exact("Rar!\x1A\x07\x01\x00", "application/x-rar-compressed"),
	exact("\x00asm", "application/wasm"),
}

// sniff determines a media type from the first bytes of a file, following
// the WHATWG MIME Sniffing algorithm for the common signatures, and falls
// back to text/plain for data without binary bytes and to
// application/octet-stream otherwise.
func sniff(data []byte) string {
	if len(data) > sniffLen {
		data = data[:sniffLen]
	}
	ws := 0
	for ws < len(data) && isSniffWS(data[ws]) {
		ws++
	}
	for i := range sniffSigs {
		s := &sniffSigs[i]
		d := data
		if s.skipWS {
			d = data[ws:]
		}
		if s.match(d) {
			return s.ctype
		}
	}
	if isMP4(data) {
		return "video/mp4"
	}
	// §7.1 step 8: no binary data byte means text.
	for _, b := range data {
		if isBinaryByte(b) {
			return "application/octet-stream"
		}
	}
	return "text/plain; charset=utf-8"
}

func (s *sniffSig) match(d []byte) bool {
	if len(d) < len(s.pattern) {
		return false
	}
	for i, p := range s.pattern {
		if d[i]&s.mask[i] != p {
			return false
		}
	}
	if s.tagEnd {
		if len(d) == len(s.pattern) {
			return false
		}
		if c := d[len(s.pattern)]; c != ' ' && c != '>' {
			return false
		}
	}
	return true
}

// isMP4 implements "matches the signature for MP4" (WHATWG §6.2.1): an
// ftyp box whose major or a compatible brand starts with "mp4".
func isMP4(d []byte) bool {
	if len(d) < 12 {
		return false
	}
	boxSize := int(d[0])<<24 | int(d[1])<<16 | int(d[2])<<8 | int(d[3])
	if boxSize < 12 || boxSize > len(d) || boxSize%4 != 0 || string(d[4:8]) != "ftyp" {
		return false
	}
	for i := 8; i+3 <= boxSize; i += 4 {
		if i == 12 {
			continue // minor version
		}
		if string(d[i:i+3]) == "mp4" {
			return true
		}
	}
	return false
}

// isSniffWS reports whether b is whitespace per WHATWG §3.
func isSniffWS(b byte) bool {
	return b == '\t' || b == '\n' || b == '\x0c' || b == '\r' || b == ' '
}

// isBinaryByte reports whether b is a "binary data byte" (WHATWG §3).
func isBinaryByte(b byte) bool {
	return b <= 0x08 || b == 0x0B || (0x0E <= b && b <= 0x1A) || (0x1C <= b && b <= 0x1F)
}
