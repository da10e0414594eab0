package middleware

import (
	"strings"

	"github.com/rawsock/httpserver"
)

// LogRejected records a request the server answered itself before any
// handler ran (a malformed or oversized head, a body refused from its
// declared length, a head that did not arrive in time, a connection over
// capacity: see [httpserver.RejectedRequest]), so that the access log
// holds every request that reached the server, as nginx's does. Set it
// as the server's hook:
//
//	srv.Rejected = logs.LogRejected
//
// The record is the usual one with what was parsed of the request line
// (empty fields when parsing did not get that far) and "rejected", the
// reason. A nil AccessLog ignores the call. It never blocks: a full queue
// drops the record and counts it, as for other requests.
func (a *AccessLog) LogRejected(rr *httpserver.RejectedRequest) {
	if a == nil {
		return
	}
	if a.closed.Load() {
		a.dropped.Add(1)
		return
	}
	reason := "over capacity"
	if rr.Err != nil {
		reason = rr.Err.Error()
	}
	// One string holds the copies: the request's strings alias the
	// connection's buffers.
	all := rr.RemoteAddr + rr.Method + rr.Target + rr.Proto
	remote, rest := all[:len(rr.RemoteAddr)], all[len(rr.RemoteAddr):]
	method, rest := rest[:len(rr.Method)], rest[len(rr.Method):]
	target, proto := rest[:len(rr.Target)], rest[len(rr.Target):]
	path, query, _ := strings.Cut(target, "?")
	e := logEntry{
		start: rr.Time, remote: remote, method: method, path: path, query: query,
		proto: proto, status: rr.Status, target: target, rejected: reason,
	}
	select {
	case a.queue <- e:
	default:
		a.dropped.Add(1)
	}
}
