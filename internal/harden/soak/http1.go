package soak

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// opTimeout bounds every exchange of the fast clients; the slow clients
// add the time they take on purpose.
const opTimeout = 15 * time.Second

// resp is the part of an HTTP/1.1 response the clients check.
type resp struct {
	status int
	length int64 // body bytes read
	close  bool  // Connection: close
	etag   string
	body   []byte // kept only when asked for
}

// readResp reads one response to a request of method from br. The body,
// framed by Content-Length, chunked coding or the connection's end, is
// read whole and kept when keep is true, discarded otherwise.
func readResp(br *bufio.Reader, method string, keep bool) (resp, error) {
	var r resp
	line, err := br.ReadString('\n')
	if err != nil {
		return r, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return r, checkErr("status line %q", line)
	}
	r.status, _ = strconv.Atoi(f[1])
	cl, chunked := int64(-1), false
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return r, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		k, v, _ := strings.Cut(l, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			cl, err = strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, checkErr("content-length %q", v)
			}
		case "transfer-encoding":
			chunked = strings.EqualFold(v, "chunked")
		case "connection":
			r.close = strings.EqualFold(v, "close")
		case "etag":
			r.etag = v
		}
	}
	var w io.Writer = io.Discard
	var buf *bytes.Buffer
	if keep {
		buf = new(bytes.Buffer)
		w = buf
	}
	switch {
	case method == "HEAD" || r.status == 204 || r.status == 304 || r.status < 200:
	case chunked:
		r.length, err = copyChunked(w, br)
	case cl >= 0:
		r.length, err = io.CopyN(w, br, cl)
	default:
		r.length, err = io.Copy(w, br)
		r.close = true
	}
	if buf != nil {
		r.body = buf.Bytes()
	}
	return r, err
}

// copyChunked copies a chunked body (RFC 9112 §7.1) to w and skips its
// trailer section.
func copyChunked(w io.Writer, br *bufio.Reader) (int64, error) {
	var n int64
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return n, err
		}
		l = strings.TrimRight(l, "\r\n")
		if i := strings.IndexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		size, err := strconv.ParseInt(strings.TrimSpace(l), 16, 64)
		if err != nil {
			return n, checkErr("chunk size %q", l)
		}
		if size == 0 {
			for {
				t, err := br.ReadString('\n')
				if err != nil {
					return n, err
				}
				if t == "\r\n" || t == "\n" {
					return n, nil
				}
			}
		}
		m, err := io.CopyN(w, br, size)
		n += m
		if err != nil {
			return n, err
		}
		if _, err := br.Discard(2); err != nil {
			return n, err
		}
	}
}

// h1conn is one client connection, reopened when the server closes it.
type h1conn struct {
	addr string
	nc   net.Conn
	br   *bufio.Reader
}

// ensure dials when no connection is open.
func (c *h1conn) ensure() error {
	if c.nc != nil {
		return nil
	}
	nc, err := net.DialTimeout("tcp", c.addr, opTimeout)
	if err != nil {
		return err
	}
	c.nc, c.br = nc, bufio.NewReaderSize(nc, 16<<10)
	return nil
}

// close closes the connection, if open.
func (c *h1conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc, c.br = nil, nil
	}
}

// do sends req (a whole request, head and body) and reads the response,
// on a connection kept open unless the server closes it. An error closes
// the connection.
func (c *h1conn) do(req []byte, method string, keep bool) (resp, error) {
	if err := c.ensure(); err != nil {
		return resp{}, err
	}
	c.nc.SetDeadline(time.Now().Add(opTimeout))
	if _, err := c.nc.Write(req); err != nil {
		c.close()
		return resp{}, err
	}
	r, err := readResp(c.br, method, keep)
	if err != nil || r.close {
		c.close()
	}
	return r, err
}

// get builds a GET request for target with extra header lines.
func get(target string, extra ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: soak\r\n", target)
	for _, e := range extra {
		b.WriteString(e)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// expect checks a response's status and, when length >= 0, its body's
// length.
func expect(r resp, status int, length int64) error {
	if r.status != status {
		return checkErr("status %d (want %d)", r.status, status)
	}
	if length >= 0 && r.length != length {
		return checkErr("length %d (want %d)", r.length, length)
	}
	return nil
}
