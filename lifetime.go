package httpserver

import (
	"errors"
	"sync/atomic"
)

// errUsedAfterReturn is the panic value when a handler's Request,
// ResponseWriter or Body is used after the handler returned: the server
// has recycled them for another request.
var errUsedAfterReturn = errors.New("httpserver: Request, ResponseWriter or Body used after the handler returned")

// exchange is the per-request state of a connection: the request, its body
// and the response. A connection reuses one exchange for all its requests,
// except in race-detector builds, where every request gets a fresh one and
// the old one is marked released, so that a handler keeping any of them
// panics on its next use instead of silently touching another request.
type exchange struct {
	req     Request
	trailer Header // the request's trailer fields, shared by its copies
	body    body
	res     response

	// copies hold the first Request.WithContext copies of req (request
	// IDs, timeouts and prefix stripping each make one), so that they
	// cost no allocation; they live exactly as long as req.
	copies  [2]Request
	ncopies atomic.Int32 // slots of copies handed out (may exceed len)
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
}

// spareRequest returns storage for a copy of req, or nil when the
// exchange's is used up.
func (ex *exchange) spareRequest() *Request {
	if i := int(ex.ncopies.Add(1)) - 1; i < len(ex.copies) {
		return &ex.copies[i]
	}
	return nil
}

// release marks the exchange as no longer the handler's.
func (ex *exchange) release() {
	ex.req.released = true
	for i := range min(int(ex.ncopies.Load()), len(ex.copies)) {
		ex.copies[i].released = true
	}
	ex.body.released = true
	ex.res.released = true
}

// checkLive panics if r belongs to a finished exchange. Only race-detector
// builds (tests) pay for the check on requests; responses and bodies always
// check.
func (r *Request) checkLive() {
	if raceEnabled && r.released {
		panic(errUsedAfterReturn)
	}
}
