package static

import (
	"bufio"
	"net/url"
	"os"
	"strings"
	"testing"
)

// traversalCorpus reads testdata/traversal.txt.
func traversalCorpus(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/traversal.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var targets []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		targets = append(targets, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(targets) < 30 {
		t.Fatalf("corpus has %d entries, want at least 30", len(targets))
	}
	return targets
}

// TestTraversalCorpusOverSocket sends every corpus target raw over TCP: the
// core decodes it, the handler must refuse it.
func TestTraversalCorpusOverSocket(t *testing.T) {
	// Controls: the raw client reads a served file, and the leak check
	// fires when a policy does let the secret through.
	open := startServer(t, newDir(t, &Options{FollowSymlinks: SymlinksFollowAll}))
	if code, resp := rawRequest(t, open, "/hello.txt"); code != 200 || !strings.HasSuffix(resp, "hello, world\n") {
		t.Fatalf("control /hello.txt: %d %q", code, resp)
	}
	if code, resp := rawRequest(t, open, "/link-outside"); code != 200 || !strings.Contains(resp, secretContent) {
		t.Fatalf("control /link-outside with SymlinksFollowAll: %d %q", code, resp)
	}
	for _, policy := range []SymlinkPolicy{SymlinksInsideRoot, SymlinksNever} {
		addr := startServer(t, newDir(t, &Options{FollowSymlinks: policy, Listing: true}))
		for _, target := range traversalCorpus(t) {
			code, resp := rawRequest(t, addr, target)
			if code != 400 && code != 404 {
				t.Errorf("%s %q: status %d, want 400 or 404", policy, target, code)
			}
			if strings.Contains(resp, secretContent) || strings.Contains(resp, "root:") {
				t.Errorf("%s %q: secret leaked", policy, target)
			}
		}
	}
}

// TestTraversalCorpusHandler runs the corpus against the handler alone,
// including the targets the core would have refused already.
func TestTraversalCorpusHandler(t *testing.T) {
	h := newDir(t, &Options{Listing: true})
	for _, target := range traversalCorpus(t) {
		p, err := url.PathUnescape(target)
		if err != nil {
			continue // a bad escape: the core answers 400 itself
		}
		r := request(t, "GET", "/")
		r.RawPath, r.Path = target, p
		rec := serveRequest(h, r)
		if rec.Code != 400 && rec.Code != 404 {
			t.Errorf("%q: status %d, want 400 or 404", target, rec.Code)
		}
		if strings.Contains(rec.Body.String(), secretContent) {
			t.Errorf("%q: secret leaked", target)
		}
	}
}
