package httpserver

import "time"

// RejectedRequest describes a request the server answered itself, with an
// error status, before any handler saw it: a malformed or oversized head
// (400, 414, 431), a body refused from its declared length (413), an
// unsupported framing or version (501, 505), an expectation it cannot meet
// (417), a head that did not arrive in time (408), or a connection beyond
// Limits.MaxConns or the worker pool's queue (503). [Server.Rejected]
// receives it, so that an access log can record these requests like any
// other.
type RejectedRequest struct {
	// Time is when the server answered.
	Time time.Time
	// RemoteAddr is the client's address, as in Request.RemoteAddr.
	RemoteAddr string
	// Method, Target and Proto are what was parsed of the request line;
	// empty when parsing did not get that far. They alias the
	// connection's buffers: valid only during the call.
	Method, Target, Proto string
	// Status is the status code of the answer.
	Status int
	// Err says why: a *ProtocolError; nil for a connection over capacity.
	Err error
}

// reportRejected tells Server.Rejected, if set, about a request answered
// with status before a handler ran; parsed says the exchange's Request
// holds what was parsed of it (not so for a head the epoll loop timed out
// while parked: the Request is still the previous one's).
func (c *conn) reportRejected(status int, err error, parsed bool) {
	f := c.srv.Rejected
	if f == nil {
		return
	}
	rr := RejectedRequest{Time: time.Now(), Status: status, Err: err}
	if c.connIO != nil {
		rr.RemoteAddr = c.remoteString()
	} else {
		rr.RemoteAddr = c.remoteAddr.String()
	}
	if parsed && c.connIO != nil {
		r := &c.ex.req
		rr.Method, rr.Target, rr.Proto = r.Method, r.Target, r.Proto
	}
	f(&rr)
}

// reportOverCapacity tells Server.Rejected, if set, about a connection
// answered 503 because the server had no room for it.
func (s *Server) reportOverCapacity(remoteAddr peerAddr) {
	if f := s.Rejected; f != nil {
		f(&RejectedRequest{Time: time.Now(), RemoteAddr: remoteAddr.String(), Status: StatusServiceUnavailable})
	}
}
