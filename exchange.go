package httpserver

import (
	"errors"
	"sync/atomic"
)

// errUsedAfterReturn is the panic value when a handler's Request,
// ResponseWriter or Body is used after the handler returned: the server
// has recycled them for another request.
var errUsedAfterReturn = errors.New("httpserver: Request, ResponseWriter or Body used after the handler returned")

// exchange is the protocol-neutral per-request state: the Request handed
// to the handler, its trailer, the storage for its first WithContext
// copies, and the lifetime checks. Every protocol builds its requests on
// one: HTTP/1 embeds it in h1Exchange next to its body reader and response
// writer (conn_exchange.go); an HTTP/2 stream embeds it in h2Exchange
// next to its own (h2_stream.go). The protocol's contract:
//
//   - call begin before filling req for a new request (storage is kept,
//     so a reused exchange costs no allocation), point req.Trailer at
//     &trailer, filled when the body ends, and req.src at what supplies
//     the request's context (a contextSource: the connection, or a
//     stream), made only if the handler asks;
//   - call release once the handler returned, then either reuse the
//     exchange for the next request or, in race-detector builds
//     (raceEnabled), drop it and take a fresh one: the released one then
//     panics on use instead of silently touching another request.
type exchange struct {
	req     Request
	trailer Header // the request's trailer fields, shared by its copies

	// copies hold the first Request.WithContext copies of req (request
	// IDs, timeouts and prefix stripping each make one), so that they
	// cost no allocation; they live exactly as long as req.
	copies  [2]Request
	ncopies atomic.Int32 // slots of copies handed out (may exceed len)

	// reuse is Request.ReuseSlot's storage: unlike the rest, it keeps
	// its value from one request to the next.
	reuse any
}

// begin readies the exchange for a new request.
func (ex *exchange) begin() {
	ex.req.reset()
	ex.req.ex = ex
	for i := range min(int(ex.ncopies.Load()), len(ex.copies)) {
		// Drop what the last request's copy held, keeping the storage
		// it owns (see WithContext) for the next copy.
		c := &ex.copies[i]
		pv, pairs, scratch := c.pathValues, c.query.pairs, c.scratch
		clear(pv)
		clear(pairs)
		*c = Request{pathValues: pv[:0], query: Query{pairs: pairs[:0]}, scratch: scratch[:0]}
	}
	ex.ncopies.Store(0)
	ex.trailer.Reset()
}

// spareRequest returns storage for a copy of req, or nil when the
// exchange's is used up.
func (ex *exchange) spareRequest() *Request {
	if i := int(ex.ncopies.Add(1)) - 1; i < len(ex.copies) {
		return &ex.copies[i]
	}
	return nil
}

// release marks the request and its copies as no longer the handler's.
func (ex *exchange) release() {
	ex.req.released = true
	for i := range min(int(ex.ncopies.Load()), len(ex.copies)) {
		ex.copies[i].released = true
	}
}

// checkLive panics if r belongs to a finished exchange. Only race-detector
// builds (tests) pay for the check on requests; responses and bodies always
// check.
func (r *Request) checkLive() {
	if raceEnabled && r.released {
		panic(errUsedAfterReturn)
	}
}
