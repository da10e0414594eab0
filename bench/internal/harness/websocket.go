package harness

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The Sec-WebSocket-Key every client sends (the example of RFC 6455
// §1.3) and the Sec-WebSocket-Accept it calls for.
const (
	webSocketKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	webSocketAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// Handshake is a client's WebSocket opening handshake (RFC 6455 §4.1).
type Handshake struct {
	// Host is the Host header's value.
	Host string
	// Path is the request target, such as "/ws".
	Path string
	// Extensions, if not empty, is the Sec-WebSocket-Extensions offered;
	// by default none is (no permessage-deflate).
	Extensions string
}

// Do writes the upgrade request to w and reads the answer from r: status
// 101, then at most 100 header lines, with the Sec-WebSocket-Accept the
// key calls for if there is one. It returns the server's
// Sec-WebSocket-Extensions ("" if none).
func (h Handshake) Do(w io.Writer, r *bufio.Reader) (extensions string, err error) {
	req := "GET " + h.Path + " HTTP/1.1\r\nHost: " + h.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + webSocketKey + "\r\nSec-WebSocket-Version: 13\r\n"
	if h.Extensions != "" {
		req += "Sec-WebSocket-Extensions: " + h.Extensions + "\r\n"
	}
	if _, err := io.WriteString(w, req+"\r\n"); err != nil {
		return "", err
	}
	status, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		return "", fmt.Errorf("status %q: %v", status, err)
	}
	for range 100 {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line == "\r\n" {
			return extensions, nil
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Sec-WebSocket-Accept") && v != webSocketAccept:
			return "", fmt.Errorf("bad accept header %q", line)
		case strings.EqualFold(k, "Sec-WebSocket-Extensions"):
			extensions = v
		}
	}
	return "", errors.New("too many header lines")
}

// AppendMaskedFrame appends to dst one client frame (RFC 6455 §5.2):
// first is its first byte (FIN, RSV1-3, opcode), then the payload's
// length with the mask bit, key, and the payload masked with key (§5.3).
func AppendMaskedFrame(dst []byte, first byte, payload []byte, key [4]byte) []byte {
	size := len(payload)
	dst = append(dst, first)
	switch {
	case size < 126:
		dst = append(dst, 0x80|byte(size))
	case size < 1<<16:
		dst = append(dst, 0x80|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(size))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(size))
	}
	dst = append(dst, key[:]...)
	for i, b := range payload {
		dst = append(dst, b^key[i&3])
	}
	return dst
}
