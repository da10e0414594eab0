// Package syntax holds the pure syntax rules of HTTP shared by every
// protocol and package of this module: the character classes and small
// grammars of RFC 9110 (semantics), RFC 9112 (HTTP/1.1) and RFC 3986 (URIs)
// that HTTP/1.1 and HTTP/2 alike apply to methods, field names and values,
// authorities, request-targets and Content-Length.
//
// Each rule lives here once, next to the RFC section it implements. The
// package has no state beyond constant lookup tables, does no I/O, does not
// allocate, and imports only the standard library, nothing of this module
// (a test over `go list -deps` guards that), so a protocol package can use
// it without importing the root. What to do with input that breaks a rule (the status code, closing
// the connection) is the caller's decision, not this package's.
//
// Checks are written to inline, so that a parser calling them per byte
// pays one table load:
//
//	if !syntax.ValidToken(name) {
//		return badRequest("invalid field name", name)
//	}
package syntax
