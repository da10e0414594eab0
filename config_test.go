package httpserver

import (
	"errors"
	"io"
	"math"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The settings rule (config.go): zero takes the default; negative turns
// the bound off for timeouts, MaxConns and MaxBodyBytes; negative
// elsewhere is an error naming the field.

func TestTimeoutsRule(t *testing.T) {
	d := DefaultTimeouts()
	got := Timeouts{ReadHeader: 0, Read: -1, Write: 3 * time.Second, Idle: -time.Hour}.withDefaults()
	want := Timeouts{ReadHeader: d.ReadHeader, Read: 0, Write: 3 * time.Second, Idle: 0}
	if got != want {
		t.Fatalf("withDefaults = %+v, want %+v", got, want)
	}
	if got := (Timeouts{}).withDefaults(); got != d {
		t.Fatalf("zero Timeouts = %+v, want the defaults %+v", got, d)
	}
}

func TestLimitsRule(t *testing.T) {
	d := DefaultLimits()
	tests := []struct {
		name    string
		in      Limits
		check   func(Limits) bool
		wantErr string // the field named in the error; empty: no error
	}{
		{name: "zero takes defaults", in: Limits{}, check: func(l Limits) bool { return l == d }},
		{name: "positive kept", in: Limits{MaxHeaderBytes: 1000, MaxRequestLineBytes: 500, MaxHeaderCount: 7, MaxBodyBytes: 9, MaxConns: 3, MaxDiscardBytes: 11},
			check: func(l Limits) bool {
				return l == Limits{MaxHeaderBytes: 1000, MaxRequestLineBytes: 500, MaxHeaderCount: 7, MaxBodyBytes: 9, MaxConns: 3, MaxDiscardBytes: 11}
			}},
		{name: "request line at most the header", in: Limits{MaxHeaderBytes: 1000}, check: func(l Limits) bool { return l.MaxRequestLineBytes == 1000 }},
		{name: "negative MaxConns: no cap", in: Limits{MaxConns: -1}, check: func(l Limits) bool { return l.MaxConns < 0 }},
		{name: "negative MaxBodyBytes: no cap", in: Limits{MaxBodyBytes: -1}, check: func(l Limits) bool { return l.MaxBodyBytes == math.MaxInt64 }},
		{name: "negative MaxRequestLineBytes", in: Limits{MaxRequestLineBytes: -1}, wantErr: "Limits.MaxRequestLineBytes is -1"},
		{name: "negative MaxHeaderBytes", in: Limits{MaxHeaderBytes: -1}, wantErr: "Limits.MaxHeaderBytes is -1"},
		{name: "negative MaxHeaderCount", in: Limits{MaxHeaderCount: -5}, wantErr: "Limits.MaxHeaderCount is -5"},
		{name: "negative MaxDiscardBytes", in: Limits{MaxDiscardBytes: -1}, wantErr: "Limits.MaxDiscardBytes is -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidSetting) {
					t.Fatalf("withDefaults error = %v, want one naming %q and wrapping ErrInvalidSetting", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("withDefaults = %+v, %v", got, err)
			}
		})
	}
}

func TestPoolOptionsRule(t *testing.T) {
	o, err := PoolOptions{}.withDefaults(500)
	if err != nil || o.MinWorkers != min(runtime.GOMAXPROCS(0), 500) || o.MaxWorkers != 500 ||
		o.QueueSize != DefaultPoolQueueSize || o.IdleTimeout != DefaultPoolIdleTimeout {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	if o, _ := (PoolOptions{MinWorkers: 8, MaxWorkers: 2}).withDefaults(-1); o.MinWorkers != 2 || o.MaxWorkers != 2 {
		t.Fatalf("min above max: %+v", o)
	}
	if o, _ := (PoolOptions{}).withDefaults(-1); o.MaxWorkers != 10000 {
		t.Fatalf("no connection cap: %+v", o)
	}
	for _, tt := range []struct {
		in    PoolOptions
		field string
	}{
		{PoolOptions{MinWorkers: -1}, "PoolOptions.MinWorkers is -1"},
		{PoolOptions{MaxWorkers: -1}, "PoolOptions.MaxWorkers is -1"},
		{PoolOptions{QueueSize: -1}, "PoolOptions.QueueSize is -1"},
		{PoolOptions{IdleTimeout: -1}, "PoolOptions.IdleTimeout is -1"},
	} {
		if _, err := tt.in.withDefaults(100); err == nil || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%+v: error %v, want one naming %q", tt.in, err, tt.field)
		}
	}
}

// TestServeRefusesMeaninglessSetting: a negative value with no meaning
// fails Serve at once, naming the field, and closes the listener; before
// the rule, Limits{MaxHeaderCount: -1} answered every request 431.
func TestServeRefusesMeaninglessSetting(t *testing.T) {
	for _, tt := range []struct {
		s     *Server
		field string
	}{
		{&Server{Limits: Limits{MaxHeaderCount: -1}}, "httpserver: Limits.MaxHeaderCount is -1: "},
		{&Server{Limits: Limits{MaxHeaderBytes: -1}}, "httpserver: Limits.MaxHeaderBytes is -1: "},
		{&Server{Pool: PoolOptions{QueueSize: -3}, Engine: EnginePool}, "httpserver: PoolOptions.QueueSize is -3: "},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		err = tt.s.Serve(ln)
		if err == nil || !strings.HasPrefix(err.Error(), tt.field) || !errors.Is(err, ErrInvalidSetting) {
			t.Errorf("Serve = %v, want an error starting %q", err, tt.field)
		}
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
			t.Error("listener left open")
		}
	}
}

// TestNegativeMaxBodyBytesIsNoCap: Limits{MaxBodyBytes: -1} removes the
// body cap on every engine; before the rule it answered every request
// with a body 413. In every mode; the HTTP/1.1 ones also send a chunked
// body by hand.
func TestNegativeMaxBodyBytesIsNoCap(t *testing.T) {
	forEachMode(t, allModes, func(t *testing.T, m testMode, start modeStart) {
		ts := start(HandlerFunc(func(w ResponseWriter, r *Request) {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				Error(w, StatusOf(err))
				return
			}
			w.WriteString(itoa3(int(n % 1000)))
		}), func(s *Server) { s.Limits.MaxBodyBytes = -1 })
		body := strings.Repeat("x", 123)
		if m.isH2() {
			c := ts.client(t)
			for _, r := range []io.Reader{strings.NewReader(body), io.MultiReader(strings.NewReader(body))} {
				resp, err := c.Post(ts.url("/"), "text/plain", r)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(got) != "123" {
					t.Errorf("%d %q, want 200 with 123 bytes read", resp.StatusCode, got)
				}
			}
			return
		}
		c, br := ts.rawConn(t)
		for _, req := range []string{
			"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 123\r\n\r\n" + body,
			"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7b\r\n" + body + "\r\n0\r\n\r\n",
		} {
			resp, got := roundTrip(t, c, br, req, "POST")
			if resp.StatusCode != 200 || got != "123" {
				t.Errorf("%d %q, want 200 with 123 bytes read", resp.StatusCode, got)
			}
		}
	})
}
