package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/rawsock/httpserver"
)

// Errors returned by Accept; the response has been written.
var (
	// ErrBadHandshake is returned for a request that is not a valid
	// WebSocket opening handshake; the answer was 400, 405 or 426.
	ErrBadHandshake = errors.New("websocket: bad handshake")
	// ErrOriginRefused is returned when the Origin was not allowed; the
	// answer was 403.
	ErrOriginRefused = errors.New("websocket: origin not allowed")
	// ErrShuttingDown is returned when the connection's Group is shutting
	// down; the handshake was completed and the connection closed with
	// StatusGoingAway (1001), which browsers report better than a 503.
	ErrShuttingDown = errors.New("websocket: shutting down")
)

// acceptGUID is the fixed GUID of RFC 6455 §1.3.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Accept checks the opening handshake of r (RFC 6455 §4.2.1), answers
// 101 Switching Protocols and takes over the connection. Header fields
// the caller set on w before calling Accept are sent with the 101.
//
// A bad handshake is answered here and reported as an error wrapping
// ErrBadHandshake (400, or 405 with "Allow: GET" for another method, or
// 426 when the client did not ask to upgrade or asked for a version other
// than 13), ErrOriginRefused (403), ErrShuttingDown (101 then close 1001)
// or httpserver.ErrNotSupported (500: w cannot be hijacked, e.g. behind
// middleware that buffers the response and does not Unwrap); the handler
// should then just return.
//
// Over HTTP/2 (r.ProtoMajor 2) the handshake is RFC 8441's: a CONNECT
// with Protocol "websocket" and Sec-WebSocket-Version 13, checked for
// origin and negotiated (subprotocol, permessage-deflate) as above, and
// answered 200 (405 with "Allow: CONNECT" for another method, 400 for
// another or no :protocol, 500 and httpserver.ErrNotSupported for a
// writer that cannot carry a tunnel, e.g. a buffering middleware that
// does not Unwrap). The Conn then runs on the stream, which ends
// when the handler returns.
func Accept(w httpserver.ResponseWriter, r *httpserver.Request, opts *AcceptOptions) (*Conn, error) {
	cfg := opts.withDefaults()
	if r.ProtoMajor >= 2 {
		// RFC 8441: over HTTP/2 the handshake is an extended CONNECT
		// and the stream is the connection (accept_h2.go).
		return acceptStream(w, r, cfg)
	}
	// Checked before the 101 goes out: a writer that cannot hand over
	// its connection (a buffering middleware without Unwrap) would
	// otherwise send 101 and stay HTTP.
	subprotocol, dp, err := answerUpgrade(w, r, &cfg, canHijack(w), "be hijacked")
	if err != nil {
		return nil, err
	}
	nc, rw, err := httpserver.NewResponseController(w).Hijack()
	if err != nil {
		return nil, fmt.Errorf("websocket: taking over the connection: %w", err)
	}
	return join(w, r, newConn(nc, rw.Reader, cfg, subprotocol, dp))
}

// answerUpgrade checks an HTTP/1.1 opening handshake and answers it. It
// refuses (and returns an error) a handshake that is not valid, a writer
// that cannot hand over its connection (canTakeOver false: 500, the
// error wrapping httpserver.ErrNotSupported and saying it cannot how),
// and an origin not allowed (403). Otherwise it writes the 101 with its
// fields (RFC 6455 §4.2.2): the accept key, the subprotocol and the
// permessage-deflate parameters chosen, which it returns; the caller
// then takes the connection over.
func answerUpgrade(w httpserver.ResponseWriter, r *httpserver.Request, cfg *settings, canTakeOver bool, how string) (subprotocol string, dp *deflateParams, err error) {
	key, err := checkHandshake(w, r)
	if err != nil {
		return "", nil, err
	}
	if !canTakeOver {
		httpserver.Error(w, httpserver.StatusInternalServerError)
		return "", nil, fmt.Errorf("websocket: the response writer cannot %s: %w", how, httpserver.ErrNotSupported)
	}
	if !originAllowed(r, cfg) {
		httpserver.Error(w, httpserver.StatusForbidden)
		return "", nil, fmt.Errorf("%w: %q", ErrOriginRefused, r.Header.Get("Origin"))
	}
	h := w.Header()
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Accept", acceptKey(key))
	subprotocol = chooseSubprotocol(r, cfg.subprotocols)
	if subprotocol != "" {
		h.Set("Sec-WebSocket-Protocol", subprotocol)
	}
	if p, ext, ok := negotiateDeflate(r.Header.Values("Sec-WebSocket-Extensions"), cfg.compression); ok {
		dp = &p
		h.Set("Sec-WebSocket-Extensions", ext)
	}
	w.WriteHeader(httpserver.StatusSwitchingProtocols)
	return subprotocol, dp, nil
}

// join adds a new connection to its Group, or, when the Group is
// shutting down, closes it with 1001. It also asks the server to call
// goingAway on its graceful Shutdown.
func join(w httpserver.ResponseWriter, r *httpserver.Request, c *Conn) (*Conn, error) {
	if !c.cfg.group.add(c) {
		// Shutdown started while the handshake was answered: say so
		// the WebSocket way.
		c.closeSent.Store(true)
		c.writeClose(r.Context(), StatusGoingAway, "server shutting down")
		c.CloseNow()
		return nil, ErrShuttingDown
	}
	// The server's graceful Shutdown reaches the connection while the
	// handler serves it, without a Group (events.go has the event API's).
	httpserver.NewResponseController(w).OnShutdown(c.goingAway)
	return c, nil
}

// checkHandshake answers a request that is not a valid opening handshake
// and returns the decoded Sec-WebSocket-Key otherwise.
func checkHandshake(w httpserver.ResponseWriter, r *httpserver.Request) (string, error) {
	// RFC 6455 §4.2.1 item 1: "An HTTP/1.1 or higher GET request".
	if r.Method != "GET" {
		w.Header().Set("Allow", "GET")
		httpserver.Error(w, httpserver.StatusMethodNotAllowed)
		return "", fmt.Errorf("%w: method %q", ErrBadHandshake, r.Method)
	}
	if !r.ProtoAtLeast(1, 1) {
		httpserver.Error(w, httpserver.StatusBadRequest)
		return "", fmt.Errorf("%w: %s", ErrBadHandshake, r.Proto)
	}
	// RFC 6455 §4.2.1 items 3 and 4: "Upgrade: websocket" and a
	// Connection field with the "Upgrade" token. Without them the client
	// did not ask to switch: RFC 9110 §15.5.22 answers 426 Upgrade
	// Required, naming the protocol in Upgrade.
	if !r.Header.ContainsToken("Upgrade", "websocket") || !r.Header.ContainsToken("Connection", "upgrade") {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		httpserver.Error(w, httpserver.StatusUpgradeRequired)
		return "", fmt.Errorf("%w: no Upgrade: websocket and Connection: upgrade", ErrBadHandshake)
	}
	if err := checkVersion(w, r); err != nil {
		return "", err
	}
	// RFC 6455 §4.2.1 item 5: exactly one Sec-WebSocket-Key, the base64
	// of 16 bytes.
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 || !validKey(keys[0]) {
		httpserver.Error(w, httpserver.StatusBadRequest)
		return "", fmt.Errorf("%w: Sec-WebSocket-Key %q", ErrBadHandshake, strings.Join(keys, ", "))
	}
	return keys[0], nil
}

// checkVersion answers a handshake without Sec-WebSocket-Version 13.
func checkVersion(w httpserver.ResponseWriter, r *httpserver.Request) error {
	// RFC 6455 §4.2.1 item 6 and §4.4 (RFC 8441 §5 keeps the field over
	// HTTP/2): a version other than 13 is answered with 426 and the
	// versions understood.
	versions := r.Header.Values("Sec-WebSocket-Version")
	if len(versions) != 1 || versions[0] != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		status := httpserver.StatusUpgradeRequired
		if len(versions) == 0 {
			status = httpserver.StatusBadRequest // not a version, a malformed handshake
		}
		httpserver.Error(w, status)
		return fmt.Errorf("%w: Sec-WebSocket-Version %q", ErrBadHandshake, strings.Join(versions, ", "))
	}
	return nil
}

// canHijack reports whether w, or a writer reached through its Unwrap
// chain, can be hijacked: the same walk as ResponseController.Hijack.
func canHijack(w httpserver.ResponseWriter) bool { return reaches[httpserver.Hijacker](w) }

// reaches reports whether w, or a writer reached through its Unwrap chain,
// implements T: the walk ResponseController makes to find a capability.
func reaches[T any](w httpserver.ResponseWriter) bool {
	for range 100 { // a chain of wrappers, not a cycle
		if _, ok := w.(T); ok {
			return true
		}
		u, ok := w.(interface {
			Unwrap() httpserver.ResponseWriter
		})
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// validKey reports whether k is the base64 encoding of 16 bytes.
func validKey(k string) bool {
	if len(k) != 24 {
		return false
	}
	var b [18]byte
	n, err := base64.StdEncoding.Decode(b[:], []byte(k))
	return err == nil && n == 16
}

// acceptKey computes Sec-WebSocket-Accept (RFC 6455 §4.2.2 item 5.4).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// chooseSubprotocol returns the first of the server's subprotocols that
// the client offered (RFC 6455 §4.2.2 item 5.4: the server picks one).
func chooseSubprotocol(r *httpserver.Request, supported []string) string {
	if len(supported) == 0 {
		return ""
	}
	for _, s := range supported {
		if r.Header.ContainsToken("Sec-WebSocket-Protocol", s) {
			return s
		}
	}
	return ""
}

// originAllowed decides whether a browser from the request's Origin may
// connect (RFC 6455 §10.2: the server checks Origin to refuse other
// sites' scripts). A request without Origin comes from a non-browser
// client, which could send any Origin anyway, and is allowed.
func originAllowed(r *httpserver.Request, cfg *settings) bool {
	origin, ok := r.Header.Lookup("Origin")
	if !ok {
		return true
	}
	u, err := url.Parse(origin)
	if err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	if err == nil && u.Host != "" {
		host := strings.ToLower(u.Host)
		full := strings.ToLower(u.Scheme) + "://" + host
		for _, p := range cfg.originPatterns {
			p = strings.ToLower(p)
			target := host
			if strings.Contains(p, "://") {
				target = full
			}
			if ok, _ := path.Match(p, target); ok {
				return true
			}
		}
	}
	return cfg.checkOrigin != nil && cfg.checkOrigin(r, origin)
}
