package middleware

import (
	"net/netip"
	"strings"

	"github.com/rawsock/httpserver"
)

// ClientIP returns the address of the client that sent r. It is the socket
// peer (r.RemoteAddr) unless that peer is a trusted proxy: then the
// Forwarded field (RFC 7239), or else X-Forwarded-For, is walked from the
// right, skipping trusted proxies, and the first untrusted address is the
// client. Addresses left of it were written by the client and are ignored.
// If every hop is trusted, the leftmost one is returned. It returns the
// zero Addr when RemoteAddr does not parse.
func ClientIP(r *httpserver.Request, trusted []netip.Prefix) netip.Addr {
	peer := remoteIP(r.RemoteAddr)
	if !peer.IsValid() || !isTrusted(peer, trusted) {
		return peer
	}
	client := peer
	walk := func(a netip.Addr) bool {
		client = a
		return isTrusted(a, trusted)
	}
	if r.Header.Has("Forwarded") {
		walkHeader(r, "Forwarded", forwardedFor, walk)
	} else {
		walkHeader(r, "X-Forwarded-For", strings.TrimSpace, walk)
	}
	return client
}

// remoteIP parses "ip:port" (or a bare IP) without allocating. An IPv6
// zone is dropped: it names an interface of the host that wrote it and
// would only split one client into several keys.
func remoteIP(addr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(addr); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// walkHeader visits the list elements of every field with the given name,
// right to left, parsed by extract; it stops when visit returns false or
// an element does not parse (a hop we cannot trust past).
func walkHeader(r *httpserver.Request, name string, extract func(string) string, visit func(netip.Addr) bool) {
	var fields [8]string
	vals := fields[:0]
	for k, v := range r.Header.All() {
		if strings.EqualFold(k, name) {
			vals = append(vals, v)
		}
	}
	for i := len(vals) - 1; i >= 0; i-- {
		list := vals[i]
		for list != "" {
			var elem string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				elem, list = list[j+1:], list[:j]
			} else {
				elem, list = list, ""
			}
			a := remoteIP(extract(elem))
			if !a.IsValid() || !visit(a) {
				return
			}
		}
	}
}

// forwardedFor extracts the for= parameter of one Forwarded element:
// for=192.0.2.1, for="[2001:db8::1]:4711" (RFC 7239 §4, §6).
func forwardedFor(elem string) string {
	for elem != "" {
		var pair string
		pair, elem, _ = strings.Cut(elem, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
		if !strings.EqualFold(k, "for") {
			continue
		}
		v = strings.Trim(v, "\"")
		if strings.HasPrefix(v, "[") {
			if j := strings.IndexByte(v, ']'); j > 0 {
				return v[1:j]
			}
		}
		return v
	}
	return ""
}
