package room

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/http2/h2test"
	"github.com/rawsock/httpserver/internal/http2/hpack"
	"github.com/rawsock/httpserver/internal/wstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func engines() []httpserver.Engine {
	e := []httpserver.Engine{httpserver.EngineGoroutine, httpserver.EnginePool}
	if runtime.GOOS == "linux" {
		e = append(e, httpserver.EngineEpoll)
	}
	return e
}

// serve runs rm on a loopback port (HTTP/1.1 and h2c) until the test
// ends, then shuts the room and the server down as the command does.
func serve(t *testing.T, eng httpserver.Engine, rm *Room) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: rm.Handler(), Engine: eng, Logger: slog.New(slog.DiscardHandler),
		HTTP2: httpserver.HTTP2Options{H2C: true}}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		roomDone := make(chan error, 1)
		go func() { roomDone <- rm.Shutdown(ctx) }()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		if err := <-roomDone; err != nil {
			t.Errorf("room shutdown: %v", err)
		}
		<-done
	})
	return ln.Addr().String()
}

// recv reads the next message a client gets.
func recv(t *testing.T, c *wstest.Client) Message {
	t.Helper()
	op, _, data := c.RecvMessage()
	var m Message
	if op != wstest.OpText || json.Unmarshal(data, &m) != nil {
		t.Fatalf("got op %d %q", op, data)
	}
	return m
}

// Two members over HTTP/1.1 on every engine: each sees the other join,
// speak and leave; the room's shutdown closes the last with 1001.
func TestRoomBroadcast(t *testing.T) {
	for _, eng := range engines() {
		t.Run(string(eng), func(t *testing.T) {
			rm := New(Options{})
			addr := serve(t, eng, rm)
			alice := wstest.Dial(t, addr, "/ws?name=alice")
			if alice.Status() != 101 {
				t.Fatalf("handshake: %s", alice.Head)
			}
			if m := recv(t, alice); m != (Message{Text: "alice joined"}) {
				t.Fatalf("alice got %+v", m)
			}
			bob := wstest.Dial(t, addr, "/ws?name=bob")
			for _, c := range []*wstest.Client{alice, bob} {
				if m := recv(t, c); m != (Message{Text: "bob joined"}) {
					t.Fatalf("got %+v", m)
				}
			}
			alice.Send(wstest.OpText, []byte("hello bob"))
			for _, c := range []*wstest.Client{alice, bob} {
				if m := recv(t, c); m != (Message{From: "alice", Text: "hello bob"}) {
					t.Fatalf("got %+v", m)
				}
			}
			bob.Close(1000)
			if m := recv(t, alice); m != (Message{Text: "bob left"}) {
				t.Fatalf("alice got %+v", m)
			}
			if n := rm.Len(); n != 1 {
				t.Fatalf("%d members, want 1", n)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut := make(chan error, 1)
			go func() { shut <- rm.Shutdown(ctx) }()
			alice.ExpectClose(1001)
			if err := <-shut; err != nil {
				t.Fatalf("room shutdown: %v", err)
			}
		})
	}
}

// The router sends an HTTP/2 extended CONNECT (RFC 8441) to the room too:
// the member gets its join notice over the stream.
func TestRoomOverHTTP2(t *testing.T) {
	rm := New(Options{})
	addr := serve(t, httpserver.EngineGoroutine, rm)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := h2test.DialTunnel(nc, h2test.TunnelRequest{Authority: addr, Path: "/ws?name=carol", Protocol: "websocket",
		Fields: []hpack.HeaderField{{Name: "sec-websocket-version", Value: "13"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	if tn.Status != 200 {
		t.Fatalf("status %d", tn.Status)
	}
	tn.SetReadDeadline(time.Now().Add(10 * time.Second))
	want := `{"from":"","text":"carol joined"}`
	got := make([]byte, 2+len(want))
	if _, err := io.ReadFull(tn, got); err != nil || got[0] != 0x81 || int(got[1]) != len(want) || string(got[2:]) != want {
		t.Fatalf("first frame %q, %v", got, err)
	}
	// A close frame (masked, code 1000) ends the membership.
	tn.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8})
	deadline := time.Now().Add(5 * time.Second)
	for rm.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if rm.Len() != 0 {
		t.Fatal("carol is still a member")
	}
}

// broadcast never waits: a member whose queue is full is dropped and the
// others get every message.
func TestBroadcastDropsFullQueue(t *testing.T) {
	rm := New(Options{QueueLen: 2})
	slow := rm.join("slow") // its queue: "slow joined"
	fast := rm.join("fast") // slow's: + "fast joined", full
	<-fast.send
	done := make(chan struct{})
	go func() {
		defer close(done)
		rm.broadcast(Message{From: "fast", Text: "one"}) // slow is dropped here
		<-fast.send
		rm.broadcast(Message{From: "fast", Text: "two"})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("broadcast blocked on a full queue")
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("the slow member was not dropped")
	}
	if rm.Len() != 1 || rm.leave(slow) {
		t.Fatalf("%d members; slow still in: want fast alone", rm.Len())
	}
	if got := string(<-fast.send); !strings.Contains(got, `"two"`) {
		t.Fatalf("fast got %s", got)
	}
}

// Over sockets: a member that stops reading fills its socket, then its
// queue, and is dropped while the room goes on for the others.
func TestSlowMemberDropped(t *testing.T) {
	rm := New(Options{QueueLen: 4, ReadLimit: 64 << 10})
	addr := serve(t, httpserver.EngineGoroutine, rm)
	slow := wstest.Dial(t, addr, "/ws?name=slow") // never reads after this
	fast := wstest.Dial(t, addr, "/ws?name=fast")
	// The fast member reads everything on its own goroutine.
	got := make(chan string, 1024)
	go func() {
		for {
			f, err := fast.Recv()
			if err != nil {
				close(got)
				return
			}
			if f.Op == wstest.OpText {
				got <- string(f.Data)
			}
		}
	}()
	big := strings.Repeat("x", 60<<10)
	sent := 0
	for ; sent < 1000 && rm.Len() == 2; sent++ {
		fast.Send(wstest.OpText, []byte(big))
		// Wait for the message to come back, so that the slow member's
		// socket and queue, not the fast one's, fill up.
		for echoed := false; !echoed; {
			select {
			case m := <-got:
				echoed = strings.Contains(m, "xxxx")
			case <-time.After(10 * time.Second):
				t.Fatalf("message %d: the fast member got nothing", sent)
			}
		}
	}
	if rm.Len() != 1 {
		t.Fatalf("%d members: the slow one was never dropped", rm.Len())
	}
	t.Logf("the slow member was dropped after %d messages of 60 KiB", sent)
	fast.Send(wstest.OpText, []byte("still here"))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-got:
			if strings.Contains(m, "still here") {
				slow.Conn.Close()
				return
			}
		case <-deadline:
			t.Fatal("the room stopped after dropping the slow member")
		}
	}
}
