// Package room is the chat room of examples/chat: a page, and a WebSocket
// endpoint where every text message a member sends is broadcast to every
// member. It lives in its own package so that the interop tests can run
// it in a browser.
//
// Each member has a bounded send queue, drained by a writer goroutine of
// its own; a broadcast never waits on a member: one whose queue is full
// is too slow to keep up and is dropped (close 1008), so one slow or
// stalled client cannot stall the room.
package room

import (
	"context"
	_ "embed"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/router"
	"github.com/rawsock/httpserver/websocket"
)

//go:embed page.html
var page []byte

// Options configure a Room. Zero fields take the defaults given.
type Options struct {
	// QueueLen is how many messages may wait for one member before it
	// is dropped as too slow. Default 64.
	QueueLen int
	// ReadLimit bounds one message from a member. Default 4 KiB.
	ReadLimit int64
	// WriteTimeout bounds the sending of one message to a member; a
	// member that takes longer is dropped. Default 10 seconds.
	WriteTimeout time.Duration
}

// Message is what members receive, as JSON: From is "" for the room's
// own notices (joins and leaves).
type Message struct {
	From string `json:"from"`
	Text string `json:"text"`
}

// Room is one chat room.
type Room struct {
	opts    Options
	sockets websocket.Group

	mu      sync.Mutex
	members map[*member]struct{}
	guests  int
}

// member is one connected client.
type member struct {
	name string
	send chan []byte   // encoded messages waiting for the writer
	gone chan struct{} // closed when the room dropped the member
}

// New returns an empty room.
func New(opts Options) *Room {
	if opts.QueueLen <= 0 {
		opts.QueueLen = 64
	}
	if opts.ReadLimit <= 0 {
		opts.ReadLimit = 4 << 10
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	return &Room{opts: opts, members: make(map[*member]struct{})}
}

// Handler serves the page at / and the WebSocket at /ws: GET for
// HTTP/1.1, CONNECT for HTTP/2 (RFC 8441).
func (rm *Room) Handler() httpserver.Handler {
	r := router.New()
	r.Get("/", func(w httpserver.ResponseWriter, _ *httpserver.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	r.Get("/ws", rm.ServeWS)
	r.Handle("CONNECT", "/ws", httpserver.HandlerFunc(rm.ServeWS))
	return r
}

// Len returns the number of members.
func (rm *Room) Len() int {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return len(rm.members)
}

// Shutdown closes every member's WebSocket with 1001 (going away) and
// waits for the close handshakes until ctx ends. Call it next to the
// server's Shutdown.
func (rm *Room) Shutdown(ctx context.Context) error {
	return rm.sockets.Shutdown(ctx)
}

// ServeWS accepts a member, named by the "name" query parameter, and
// relays its messages until it leaves.
func (rm *Room) ServeWS(w httpserver.ResponseWriter, r *httpserver.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{ReadLimit: rm.opts.ReadLimit, Group: &rm.sockets})
	if err != nil {
		return // Accept answered
	}
	defer c.CloseNow()
	m := rm.join(r.Query().Get("name"))
	// The writer: the member's only sender, so a slow client only ever
	// holds its own goroutine. The handler waits for it before
	// returning (over HTTP/2 the stream ends with the handler).
	readDone := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		rm.write(c, m, readDone)
	}()
	ctx := r.Context()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			break
		}
		if typ != websocket.MessageText {
			c.Close(websocket.StatusUnsupportedData, "text only")
			break
		}
		rm.broadcast(Message{From: m.name, Text: string(msg)})
	}
	close(readDone)
	<-wrote
	if rm.leave(m) {
		rm.broadcast(Message{Text: m.name + " left"})
	}
}

// write sends m's queue to c until the reader stops or the room drops m.
func (rm *Room) write(c *websocket.Conn, m *member, readDone <-chan struct{}) {
	for {
		select {
		case msg := <-m.send:
			ctx, cancel := context.WithTimeout(context.Background(), rm.opts.WriteTimeout)
			err := c.Write(ctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				// Too slow (the Conn closed itself at the timeout) or
				// closing (the reader sees the close handshake end).
				return
			}
		case <-m.gone:
			// Dropped as too slow: the reader sees the close.
			c.Close(websocket.StatusPolicyViolation, "too slow")
			return
		case <-readDone:
			return
		}
	}
}

// join adds a member and tells the room.
func (rm *Room) join(name string) *member {
	name = cleanName(name)
	rm.mu.Lock()
	if name == "" {
		rm.guests++
		name = "guest-" + strconv.Itoa(rm.guests)
	}
	m := &member{name: name, send: make(chan []byte, rm.opts.QueueLen), gone: make(chan struct{})}
	rm.members[m] = struct{}{}
	rm.mu.Unlock()
	rm.broadcast(Message{Text: name + " joined"})
	return m
}

// leave removes m, reporting whether it was still a member (not dropped).
func (rm *Room) leave(m *member) bool {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	_, ok := rm.members[m]
	delete(rm.members, m)
	return ok
}

// broadcast queues msg for every member without waiting: a member whose
// queue is full is dropped.
func (rm *Room) broadcast(msg Message) {
	b, _ := json.Marshal(msg)
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for m := range rm.members {
		select {
		case m.send <- b:
		default:
			delete(rm.members, m)
			close(m.gone)
		}
	}
}

// cleanName trims a member's name to 32 printable characters.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > 32 {
		s = string([]rune(s)[:32])
	}
	return s
}
