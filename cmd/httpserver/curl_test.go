package main

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// TestCurl talks to the binary with curl, an independent client.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: skipping the curl interoperability test")
	}
	p := start(t, nil, "--addr=127.0.0.1:0")
	addr := awaitAddr(t, p.addr, p)
	base := "http://" + addr

	cases := []struct {
		name string
		args []string
		want map[string]any // fields of the echo report
	}{
		{"post", []string{"-H", "X-A: 1", "-H", "X-A: 2", "--data-binary", "hi there", base + "/api/echo?a=1&a=2"},
			map[string]any{"method": "POST", "body": "hi there", "body_length": 8.0, "query": map[string]any{"a": []any{"1", "2"}}}},
		{"chunked upload", []string{"-H", "Transfer-Encoding: chunked", "--data-binary", "chunky", base + "/api/echo/x%20y"},
			map[string]any{"method": "POST", "body": "chunky", "path": "/api/echo/x y"}},
		{"http/1.0", []string{"--http1.0", base + "/api/echo"},
			map[string]any{"method": "GET", "proto": "HTTP/1.0"}},
		{"put", []string{"-X", "PUT", "-d", "x=1", base + "/api/echo"},
			map[string]any{"method": "PUT", "body": "x=1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "10", "--fail"}, tc.args...)...).Output()
			if err != nil {
				t.Fatalf("curl: %v: %s", err, out)
			}
			var rep map[string]any
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(rep[k], v) {
					t.Errorf("%s = %#v, want %#v", k, rep[k], v)
				}
			}
			if tc.name == "post" {
				hdrs, _ := rep["headers"].(map[string]any)
				if !reflect.DeepEqual(hdrs["X-A"], []any{"1", "2"}) {
					t.Errorf("headers = %v", hdrs)
				}
			}
		})
	}

	out, err := exec.Command(curl, "-sS", "--max-time", "10", "-I", base+"/health").Output()
	if err != nil || !strings.HasPrefix(string(out), "HTTP/1.1 200 OK\r\n") || !strings.Contains(string(out), "Content-Type: application/json\r\n") {
		t.Errorf("curl -I /health: %v %q", err, out)
	}
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 0 {
		t.Errorf("exit status %d", code)
	}
}
