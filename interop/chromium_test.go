package interop

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of Debian's headless-capable chromium. Without
// it the browser tests skip, unless HTTPSERVER_REQUIRE_BROWSER=1 (`make
// browser-test`), which makes them fail instead: CI does not install the
// browser, so a run that means to test with it says so.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("HTTPSERVER_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium not installed, and HTTPSERVER_REQUIRE_BROWSER=1 (apt-get install chromium)")
		}
		t.Skip("chromium not installed (HTTPSERVER_REQUIRE_BROWSER=1 makes this a failure)")
	}
	return path
}

// newBrowser starts headless chromium with extra flags (name, value pairs
// as chromedp.Flag takes them) and returns a context for its first tab;
// the browser ends with the test. The first action run on the context
// starts the browser, which lives as long as the context of that call: put
// no timeout on it, and one on what follows.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.Headless)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}
