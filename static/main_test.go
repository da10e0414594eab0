package static

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const secretContent = "TOPSECRET-beside-the-root"

// fixture lays out a served tree under a temporary directory:
//
//	base/secret.txt        (outside the root)
//	base/root/...          (the root)
//
// and returns the root's path.
func fixture(t testing.TB) string {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	files := map[string]string{
		"../secret.txt":            secretContent,
		"hello.txt":                "hello, world\n",
		"index.html":               "<!DOCTYPE html><title>home</title>\n",
		"noext":                    "<!DOCTYPE html><p>sniffed</p>",
		"plain":                    "just some text\n",
		"blob":                     "\x00\x01\x02binary",
		"Upper.HTML":               "<p>upper</p>",
		"app.js":                   "console.log('identity');\n",
		"app.js.br":                "BR-BYTES",
		"app.js.gz":                "GZ-BYTES",
		"app.js.zst":               "ZST-BYTES",
		"style.css":                "body{}\n",
		"style.css.gz":             "GZCSS",
		"digits.txt":               "0123456789abcdefghijklmnopqrstuvwxyz",
		"sub/index.html":           "<p>sub index</p>",
		"sub/a.txt":                "sub a",
		"empty/.keep":              "",
		".secret":                  "dotfile",
		".git/config":              "[core]",
		"list/<script>.txt":        "x",
		"list/a&b.txt":             "x",
		"list/javascript:alert(1)": "x",
		"list/sp ace.txt":          "x",
		"list/\"quote\".txt":       "x",
		"list/.hidden":             "x",
		"list/zdir/f":              "x",
		"a b/c%d.txt":              "encoded names",
	}
	writeFiles(t, root, files)
	links := map[string]string{
		"link-inside":     "hello.txt",
		"link-outside":    "../secret.txt",
		"link-abs":        filepath.Join(base, "secret.txt"),
		"linkdir-inside":  "sub",
		"linkdir-outside": "..",
		"sub/up":          "../hello.txt",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// writeFiles writes name -> content pairs below root, making directories
// as needed.
func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newDir builds a Dir handler over a fresh fixture and closes it at the
// end of the test.
func newDir(t testing.TB, opts *Options) httpserver.Handler {
	t.Helper()
	h, err := Dir(fixture(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// request builds a server-side request the way the core does: Path is the
// percent-decoded RawPath. Headers come in name, value pairs.
func request(t testing.TB, method, target string, headers ...string) *httpserver.Request {
	t.Helper()
	raw, query, _ := strings.Cut(target, "?")
	p, err := url.PathUnescape(raw)
	if err != nil {
		t.Fatalf("bad test target %q: %v", target, err)
	}
	r := httpservertest.NewRequest(method, "/", nil)
	r.Target, r.RawPath, r.Path, r.RawQuery = target, raw, p, query
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

// serveRequest runs h on r and returns the recorder.
func serveRequest(h httpserver.Handler, r *httpserver.Request) *httpservertest.ResponseRecorder {
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// serve runs h on a request and returns the recorder.
func serve(t testing.TB, h httpserver.Handler, method, target string, headers ...string) *httpservertest.ResponseRecorder {
	t.Helper()
	rec := httpservertest.NewRecorder()
	h.ServeHTTP(rec, request(t, method, target, headers...))
	return rec
}
