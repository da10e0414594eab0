package httpserver

import "errors"

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
}

// release marks the exchange as no longer the handler's.
func (ex *exchange) release() {
	ex.req.released = true
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
