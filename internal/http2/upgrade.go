package http2

import (
	"encoding/base64"
	"errors"
	"net"
	"strings"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Upgrade is an HTTP/1.1 request that asked for "Upgrade: h2c" (RFC 7540
// §3.2; RFC 9113 §3.1 deprecates the mechanism but a server may still
// offer it). The HTTP/1 side answers 101 Switching Protocols, then hands
// the connection and this request to [ServerConn.Serve]; the request
// becomes stream 1, half-closed (remote), and the client then sends the
// connection preface.
type Upgrade struct {
	// Settings is the decoded HTTP2-Settings field: a SETTINGS payload
	// (see [DecodeSettingsField]), applied as if the client had sent it.
	Settings []byte
	// Fields are the request's pseudo-header fields (:method, :scheme,
	// :authority, :path) followed by its regular fields, names lowercase,
	// without the connection-specific ones (Connection, Upgrade,
	// HTTP2-Settings).
	Fields []hpack.HeaderField
	// Body is the whole request body, already read by the HTTP/1 side.
	Body []byte
}

// ErrBadSettingsField is returned by DecodeSettingsField.
var ErrBadSettingsField = errors.New("httpserver: http2 invalid HTTP2-Settings field")

// DecodeSettingsField decodes an HTTP2-Settings field value: base64url
// without padding of a SETTINGS payload (RFC 7540 §3.2.1). Every setting's
// range is checked (RFC 9113 §6.5.2).
func DecodeSettingsField(v string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil || len(b)%6 != 0 {
		return nil, ErrBadSettingsField
	}
	f := Frame{Data: b}
	for i := 0; i < f.NumSettings(); i++ {
		if f.Setting(i).Validate() != nil {
			return nil, ErrBadSettingsField
		}
	}
	return b, nil
}

// upgradeLocked applies an h2c upgrade: the client's settings, and its
// request as stream 1.
func (c *ServerConn) upgradeLocked(u *Upgrade) error {
	if c.closed {
		return net.ErrClosed
	}
	if err := c.applySettingsLocked(u.Settings); err != nil {
		return err
	}
	c.maxClientID = 1
	s := c.newStream(1)
	s.req.set(u.Fields, false)
	rc, reason := validateRequestFields(s.req.fields, c.connectProto)
	if reason != "" {
		c.maybeDiscard(s)
		return connError(ErrCodeProtocol, "upgraded request: "+reason)
	}
	s.pseudo = rc.pseudo
	s.contentLength = rc.contentLength
	for s.npseudo < len(s.req.fields) && s.req.fields[s.npseudo].Name[0] == ':' {
		s.npseudo++
	}
	s.in = append(s.in, u.Body...)
	s.received = int64(len(u.Body))
	s.inEOF = true
	s.state = stateHalfClosedRemote
	s.inMap = true
	c.streams[1] = s
	c.handlers++
	c.handlersDone.Add(1)
	s.handler = c.h
	c.startHandlerLocked(s)
	return nil
}
