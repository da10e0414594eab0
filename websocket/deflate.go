package websocket

import (
	"strings"
	"sync"

	"github.com/klauspost/compress/flate"
)

// deflateParams is a negotiated permessage-deflate (RFC 7692).
type deflateParams struct {
	serverNoContextTakeover bool // compress each outgoing message on its own
	clientNoContextTakeover bool // the client compresses each message on its own
}

// negotiateDeflate picks the first permessage-deflate offer in the
// Sec-WebSocket-Extensions values that can be honoured, and returns its
// parameters and the response's extension string.
//
// klauspost/compress/flate always uses a 32 KiB window (15 bits). An
// offer with server_max_window_bits below 15 asks the server to compress
// with a smaller window, which this compressor cannot promise, so that
// offer is declined (RFC 7692 §7.1.2.1 lets a server decline) and the
// next one considered. client_max_window_bits only limits the client's
// compressor; the 32 KiB inflate window reads any smaller window, so it
// is accepted and not echoed (§7.1.2.2 makes echoing optional).
func negotiateDeflate(values []string, mode CompressionMode) (deflateParams, string, bool) {
	if mode == CompressionDisabled {
		return deflateParams{}, "", false
	}
	for _, v := range values {
		for _, offer := range splitList(v, ',') {
			params := splitList(offer, ';')
			if len(params) == 0 || !strings.EqualFold(params[0], "permessage-deflate") {
				continue
			}
			if p, resp, ok := acceptDeflateOffer(params[1:], mode); ok {
				return p, resp, true
			}
		}
	}
	return deflateParams{}, "", false
}

// acceptDeflateOffer checks one offer's parameters (RFC 7692 §7.1): an
// unknown parameter, a repeated one or an invalid value declines it.
func acceptDeflateOffer(params []string, mode CompressionMode) (deflateParams, string, bool) {
	var p deflateParams
	seen := map[string]bool{}
	windowBits15 := false
	for _, param := range params {
		name, value, hasValue := strings.Cut(param, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		// RFC 6455 §9.1: a quoted value must be a token once unquoted.
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if seen[name] {
			return p, "", false
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover":
			if hasValue {
				return p, "", false
			}
			p.serverNoContextTakeover = true
		case "client_no_context_takeover":
			if hasValue {
				return p, "", false
			}
			p.clientNoContextTakeover = true
		case "server_max_window_bits":
			bits, ok := windowBits(value)
			if !hasValue || !ok {
				return p, "", false
			}
			if bits < 15 {
				return p, "", false // see negotiateDeflate
			}
			windowBits15 = true
		case "client_max_window_bits":
			if hasValue {
				if _, ok := windowBits(value); !ok {
					return p, "", false
				}
			}
		default:
			return p, "", false
		}
	}
	if mode == CompressionNoContextTakeover {
		// RFC 7692 §7.1.1: a server may announce either parameter even
		// when the offer lacks it.
		p.serverNoContextTakeover = true
		p.clientNoContextTakeover = true
	}
	resp := "permessage-deflate"
	if p.serverNoContextTakeover {
		resp += "; server_no_context_takeover"
	}
	if p.clientNoContextTakeover {
		resp += "; client_no_context_takeover"
	}
	if windowBits15 {
		resp += "; server_max_window_bits=15"
	}
	return p, resp, true
}

// windowBits parses a max_window_bits value: 1*DIGIT in 8..15 (RFC 7692
// §7.1.2).
func windowBits(s string) (int, bool) {
	if len(s) == 0 || len(s) > 2 {
		return 0, false
	}
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n >= 8 && n <= 15
}

// splitList splits s at sep and trims each element; empty elements are
// dropped.
func splitList(s string, sep byte) []string {
	var out []string
	for s != "" {
		var item string
		item, s, _ = strings.Cut(s, string(sep))
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// deflateTail is the end of a sync flush, which RFC 7692 §7.2.1 has the
// sender remove and the receiver put back (§7.2.2). The final empty stored
// block after it makes the inflater return io.EOF at the message's end.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// slideWindow appends p to the inflate dictionary kept for context
// takeover, keeping its last 32 KiB.
func slideWindow(dict, p []byte) []byte {
	const window = 32 << 10
	if len(p) >= window {
		return append(dict[:0], p[len(p)-window:]...)
	}
	if over := len(dict) + len(p) - window; over > 0 {
		dict = dict[:copy(dict, dict[over:])]
	}
	return append(dict, p...)
}

// flateState is a compressor writing into out.
type flateState struct {
	w   *flate.Writer
	out []byte
}

// Write collects the compressor's output.
func (fs *flateState) Write(p []byte) (int, error) {
	fs.out = append(fs.out, p...)
	return len(p), nil
}

var flateStates [flate.BestCompression]sync.Pool

// startDeflate returns the compressor for one outgoing message: the
// connection's own with context takeover, a pooled one without (RFC 7692
// §7.1.1.1).
func (c *Conn) startDeflate() *flateState {
	return takeDeflater(&c.fw, c.deflate.serverNoContextTakeover, c.cfg.level)
}

// endDeflate releases a message's compressor.
func (c *Conn) endDeflate(fs *flateState) { releaseDeflater(fs, c.fw, c.cfg.level) }

// takeDeflater returns a compressor at level for one message: *own (made
// on first use) with context takeover, a pooled one without. The
// blocking and the event API share it.
func takeDeflater(own **flateState, noContextTakeover bool, level int) *flateState {
	if !noContextTakeover {
		if *own == nil {
			*own = &flateState{}
			(*own).w, _ = flate.NewWriter(*own, level)
		}
		(*own).out = (*own).out[:0]
		return *own
	}
	fs, _ := flateStates[level-1].Get().(*flateState)
	if fs == nil {
		fs = &flateState{}
		fs.w, _ = flate.NewWriter(fs, level)
	}
	fs.out = fs.out[:0]
	return fs
}

// releaseDeflater ends a message's compressor: a pooled one goes back.
func releaseDeflater(fs, own *flateState, level int) {
	if len(fs.out) > frameSize+4 {
		fs.out = nil
	}
	if fs == own {
		return
	}
	fs.w.Reset(fs)
	flateStates[level-1].Put(fs)
}
