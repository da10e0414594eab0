package websocket

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

// TestConcurrentReadWritePing runs a reader, a streaming writer and a
// pinger on one connection at once (under -race this checks the locking),
// then closes from the server while the reader is still blocked.
func TestConcurrentReadWritePing(t *testing.T) {
	const msgs, pings = 100, 20
	forEachEngine(t, func(t *testing.T, eng httpserver.Engine) {
		h, errc := serverFunc(nil, func(c *Conn) error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan error, 3)
			received := make(chan int, 1)
			go func() { // reader: counts the client's messages until the close
				n := 0
				for {
					_, _, err := c.Read(ctx)
					if err != nil {
						received <- n
						return
					}
					n++
				}
			}()
			wg.Add(2)
			go func() { // writer: streamed messages in three pieces
				defer wg.Done()
				for i := range msgs {
					w, err := c.Writer(ctx, MessageText)
					if err != nil {
						errs <- err
						return
					}
					fmt.Fprintf(w, "message %d ", i)
					w.Write(make([]byte, 40000))
					fmt.Fprintf(w, "end")
					if err := w.Close(); err != nil {
						errs <- err
						return
					}
				}
			}()
			go func() { // pinger
				defer wg.Done()
				for range pings {
					if err := c.Ping(ctx); err != nil {
						errs <- fmt.Errorf("ping: %w", err)
						return
					}
				}
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				return err
			}
			if err := c.Close(StatusNormalClosure, "all done"); err != nil {
				return fmt.Errorf("Close: %w", err)
			}
			if n := <-received; n != msgs {
				return fmt.Errorf("server read %d messages, want %d", n, msgs)
			}
			return nil
		})
		c := dialRaw(t, startServer(t, eng, h))
		sent := make(chan struct{})
		go func() { // the client's messages, while it reads
			defer close(sent)
			for i := range msgs {
				if _, err := c.nc.Write(txt(fmt.Sprintf("client %d", i)).encode(true)); err != nil {
					return
				}
			}
		}()
		got, pongs := 0, 0
		for {
			f, err := c.recv()
			if err != nil {
				t.Fatalf("after %d messages and %d pings: %v", got, pongs, err)
			}
			if f.op == opPng {
				pongs++
				c.send(ctl(opPog, f.data))
				continue
			}
			if f.op == opCls {
				// A client finishes the message it is sending before it
				// answers a close (RFC 6455 §5.5.1); all 100 must be
				// sent before the close reply or the server stops
				// counting early.
				<-sent
				c.nc.Write(frame{fin: true, op: opCls, data: f.data[:2]}.encode(true))
				c.expectEOF()
				break
			}
			if f.fin {
				got++
			}
		}
		if got != msgs || pongs != pings {
			t.Errorf("client got %d messages and %d pings", got, pongs)
		}
		if err := waitErr(t, errc); err != nil {
			t.Fatal(err)
		}
	})
}
