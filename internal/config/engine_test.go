package config

import (
	"testing"

	"github.com/rawsock/httpserver"
)

func TestParseEngine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want httpserver.Engine
		err  string
	}{
		{"goroutine", httpserver.EngineGoroutine, ""},
		{"Pool", httpserver.EnginePool, ""},
		{"epoll", httpserver.EngineEpoll, ""},
		{"", "", `invalid engine "" (want goroutine, pool or epoll)`},
		{"threads", "", `invalid engine "threads" (want goroutine, pool or epoll)`},
	} {
		got, err := parseEngine(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("parseEngine(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestApplyEngine(t *testing.T) {
	c := Default()
	if err := lookup("engine").set(&c, "epoll"); err != nil {
		t.Fatal(err)
	}
	var s httpserver.Server
	c.Apply(&s)
	if s.Engine != httpserver.EngineEpoll {
		t.Fatalf("Engine = %q", s.Engine)
	}
}
