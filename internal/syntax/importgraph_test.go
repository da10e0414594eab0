package syntax

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// listedPackage is the part of `go list -json` output these tests read.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Deps       []string
	Module     *struct{ Path string }
}

// goList runs `go list -json` with args and decodes its stream of packages.
// It skips the test when the go command is not available.
func goList(t *testing.T, args ...string) []listedPackage {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH:", err)
	}
	out, err := exec.Command(goCmd, append([]string{"list", "-json"}, args...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}

// modulePath returns the path of the module this package belongs to.
func modulePath(t *testing.T) string {
	t.Helper()
	pkgs := goList(t, ".")
	if len(pkgs) != 1 || pkgs[0].Module == nil {
		t.Fatalf("go list . gave %d packages without a module", len(pkgs))
	}
	return pkgs[0].Module.Path
}

// TestImportsOnlyStandardLibrary pins what makes this package shareable by
// every protocol: it depends on the standard library alone, so neither the
// root package nor any other package of this module (or a third party).
func TestImportsOnlyStandardLibrary(t *testing.T) {
	mod := modulePath(t)
	self := mod + "/internal/syntax"
	pkgs := goList(t, "-deps", ".")
	if len(pkgs) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, p := range pkgs {
		if p.ImportPath == self {
			continue
		}
		if p.ImportPath == mod || strings.HasPrefix(p.ImportPath, mod+"/") {
			t.Errorf("%s depends on %s of this module; it must import nothing of it", self, p.ImportPath)
		} else if !p.Standard {
			t.Errorf("%s depends on %s; it must import only the standard library", self, p.ImportPath)
		}
	}
}

// notServerPath lists the packages of this module, relative to its path,
// that may depend on net/http: the bridge to it, its example, and packages
// only tests use. interop and bench are modules of their own and are not
// listed by the pattern below.
var notServerPath = []string{"nethttp", "examples/", "internal/testutil/", "httpservertest"}

// forbiddenOnServerPath reports whether a dependency is one the server path
// must not have: the server is HTTP from scratch on raw TCP.
func forbiddenOnServerPath(dep string) bool {
	return dep == "net/http" || strings.HasPrefix(dep, "net/http/") ||
		dep == "net/textproto" ||
		strings.HasPrefix(dep, "golang.org/x/net/http")
}

// TestServerPathAvoidsNetHTTP checks every package of the module on the
// server's path (not tests, which may use net/http as a client or oracle)
// for a dependency, direct or not, on net/http, net/textproto or
// golang.org/x/net/http*.
func TestServerPathAvoidsNetHTTP(t *testing.T) {
	mod := modulePath(t)
	pkgs := goList(t, mod+"/...")
	checked := 0
	for _, p := range pkgs {
		if exemptFromServerPath(mod, p.ImportPath) {
			continue
		}
		checked++
		for _, dep := range p.Deps {
			if forbiddenOnServerPath(dep) {
				t.Errorf("%s depends on %s; only %v may", p.ImportPath, dep, notServerPath)
			}
		}
	}
	// The root, router, static, middleware, internal/* and the binary at
	// least: a pattern that matched almost nothing would pass vacuously.
	if checked < 8 {
		t.Fatalf("checked only %d packages of %s", checked, mod)
	}
}

func exemptFromServerPath(mod, importPath string) bool {
	rel, ok := strings.CutPrefix(importPath, mod+"/")
	if !ok {
		return false // the root package is on the server path
	}
	for _, e := range notServerPath {
		if rel == e || strings.HasSuffix(e, "/") && strings.HasPrefix(rel, e) || strings.HasPrefix(rel, e+"/") {
			return true
		}
	}
	return false
}

func TestServerPathClassification(t *testing.T) {
	const mod = "example.com/m"
	for _, tc := range []struct {
		importPath string
		exempt     bool
	}{
		{mod, false},
		{mod + "/router", false},
		{mod + "/internal/syntax", false},
		{mod + "/cmd/httpserver", false},
		{mod + "/nethttp", true},
		{mod + "/nethttpx", false},
		{mod + "/examples/nethttp", true},
		{mod + "/internal/testserver", false},
		{mod + "/internal/testutil/clients", true},
		{mod + "/httpservertest", true},
		{"other.com/nethttp", false},
	} {
		if got := exemptFromServerPath(mod, tc.importPath); got != tc.exempt {
			t.Errorf("exemptFromServerPath(%q) = %v, want %v", tc.importPath, got, tc.exempt)
		}
	}
	for _, tc := range []struct {
		dep       string
		forbidden bool
	}{
		{"net/http", true},
		{"net/http/httptrace", true},
		{"net/http/internal/ascii", true},
		{"net/textproto", true},
		{"golang.org/x/net/http2", true},
		{"golang.org/x/net/http/httpguts", true},
		{"golang.org/x/net/idna", false},
		{"net", false},
		{"net/netip", false},
		{"net/url", false},
	} {
		if got := forbiddenOnServerPath(tc.dep); got != tc.forbidden {
			t.Errorf("forbiddenOnServerPath(%q) = %v, want %v", tc.dep, got, tc.forbidden)
		}
	}
}
