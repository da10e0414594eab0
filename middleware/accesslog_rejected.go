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
	e := logEntry{
		start: rr.Time, remote: rr.RemoteAddr, method: rr.Method, target: rr.Target,
		proto: rr.Proto, status: rr.Status, rejected: reason,
	}
	e.path, e.query, _ = strings.Cut(rr.Target, "?")
	if a.direct || a.format == AccessLogCombined {
		a.addLine(&e) // encoded now, while the strings are valid
		return
	}
	// One string holds the copies the queue needs: the request's strings
	// alias the connection's buffers.
	all := rr.RemoteAddr + rr.Method + rr.Target + rr.Proto
	e.remote, all = all[:len(rr.RemoteAddr)], all[len(rr.RemoteAddr):]
	e.method, all = all[:len(rr.Method)], all[len(rr.Method):]
	e.target, e.proto = all[:len(rr.Target)], all[len(rr.Target):]
	e.path, e.query, _ = strings.Cut(e.target, "?")
	select {
	case a.queue <- e:
	default:
		a.dropped.Add(1)
	}
}
