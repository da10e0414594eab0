package websocket

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportGraph guards the seam: the root package and middleware never
// import websocket, and websocket needs no net/http (RFC 6455 sits on the
// root's Hijack).
func TestImportGraph(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH:", err)
	}
	deps := func(pkg string) []string {
		out, err := exec.Command(goCmd, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	const self = "github.com/rawsock/httpserver/websocket"
	for _, pkg := range []string{"github.com/rawsock/httpserver", "github.com/rawsock/httpserver/middleware"} {
		for _, d := range deps(pkg) {
			if d == self {
				t.Errorf("%s imports %s", pkg, self)
			}
		}
	}
	for _, d := range deps(self) {
		if d == "net/http" || strings.HasPrefix(d, "net/textproto") || strings.HasPrefix(d, "golang.org/x/net/http") {
			t.Errorf("websocket depends on %s", d)
		}
	}
}
