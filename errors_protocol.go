package httpserver

import "strconv"

// Rejections decided while reading a request head. Each carries the status
// the server answers with; after any of them the connection is closed,
// since the framing of what follows cannot be trusted.
var (
	errBareLF             = &ProtocolError{Status: StatusBadRequest, Reason: "line not terminated by CRLF"}
	errTooManyEmptyLines  = &ProtocolError{Status: StatusBadRequest, Reason: "too many empty lines before the request-line"}
	errRequestLineTooLong = &ProtocolError{Status: StatusRequestURITooLong, Reason: "request-line exceeds the limit"}
	errHeaderTooLarge     = &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "header section exceeds the limit"}
	errTooManyHeaders     = &ProtocolError{Status: StatusRequestHeaderFieldsTooLarge, Reason: "too many header fields"}
	errHeadTimeout        = &ProtocolError{Status: StatusRequestTimeout, Reason: "request head not received in time"}
)

// badRequest returns a 400 ProtocolError whose reason quotes the
// offending input (truncated to keep logs bounded).
func badRequest(what string, input string) *ProtocolError {
	return &ProtocolError{Status: StatusBadRequest, Reason: what + " " + quoteTruncated(input)}
}

func protocolErr(status int, what string, input string) *ProtocolError {
	return &ProtocolError{Status: status, Reason: what + " " + quoteTruncated(input)}
}

func quoteTruncated(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
