package static

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/testserver"
)

// startServer serves h on a loopback port for the duration of the test and
// returns its address, on the engine CI selects (internal/testserver).
func startServer(t testing.TB, h httpserver.Handler) string {
	addr, _ := testserver.Start(t, h)
	return addr
}

// newClient returns a net/http client that does not decompress, follow
// redirects or keep idle connections past the test.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
}

// get fetches url with the given header pairs and returns the response with
// its body read.
func get(t testing.TB, c *http.Client, method, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// rawRequest sends one raw request-target with GET over a new connection
// and returns the status code and the whole response text.
func rawRequest(t testing.TB, addr, target string) (int, string) {
	t.Helper()
	return rawExchange(t, addr, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
}

// rawExchange sends req on a new connection and returns the status code
// and the whole response text.
func rawExchange(t testing.TB, addr, req string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(bufio.NewReader(c))
	resp := string(b)
	var code int
	if strings.HasPrefix(resp, "HTTP/1.1 ") && len(resp) >= 12 {
		for _, ch := range resp[9:12] {
			code = code*10 + int(ch-'0')
		}
	}
	return code, resp
}

func TestSmokeOverSocket(t *testing.T) {
	addr := startServer(t, newDir(t, nil))
	resp, body := get(t, newClient(t), "GET", "http://"+addr+"/hello.txt")
	if resp.StatusCode != 200 || body != "hello, world\n" {
		t.Fatalf("GET = %d %q", resp.StatusCode, body)
	}
}
