package config

import (
	"reflect"
	"testing"
)

func TestUnknownEnv(t *testing.T) {
	names, hints := UnknownEnv([]string{
		"PATH=/bin",
		"HTTPSERVER_ADDR=:1",            // known
		"HTTPSERVER_METRICS_ADDR=:2",    // known (middleware)
		"HTTPSERVER_RAET_LIMIT=5",       // typo
		"HTTPSERVER_READTIMEOUT=3s",     // typo
		"HTTPSERVER_VERSION=1",          // flag only: sets nothing
		"HTTPSERVER_COLOUR=",            // unknown, even empty
		"HTTPSERVER_RAET_LIMIT=6",       // twice: once
		"XHTTPSERVER_ADDR=1",            // other prefix
		"HTTPSERVER_SHUTDOWN_DELAYS=1s", // typo
	})
	wantNames := []string{"HTTPSERVER_RAET_LIMIT", "HTTPSERVER_READTIMEOUT", "HTTPSERVER_VERSION", "HTTPSERVER_COLOUR", "HTTPSERVER_SHUTDOWN_DELAYS"}
	wantHints := []string{"HTTPSERVER_RATE_LIMIT", "HTTPSERVER_READ_TIMEOUT", "", "", "HTTPSERVER_SHUTDOWN_DELAY"}
	if !reflect.DeepEqual(names, wantNames) || !reflect.DeepEqual(hints, wantHints) {
		t.Errorf("UnknownEnv = %q, %q\nwant %q, %q", names, hints, wantNames, wantHints)
	}
	if names, _ := UnknownEnv(nil); names != nil {
		t.Errorf("UnknownEnv(nil) = %q", names)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"RAET", "RATE", 2}, {"same", "same", 0},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
