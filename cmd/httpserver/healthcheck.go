package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// healthcheckUsage is printed for `httpserver healthcheck --help`.
const healthcheckUsage = `Usage: httpserver healthcheck [--timeout DURATION] [URL]

GETs URL over HTTP/1.1 and exits 0 if the answer is 200, 1 otherwise (no
answer, another status, timeout); 2 for bad arguments. For a container's
HEALTHCHECK, where no curl exists. URL defaults to
http://127.0.0.1:PORT/health, PORT being that of HTTPSERVER_ADDR (8080 if
unset); give the URL when the address is set by a flag or the YAML file.
`

// defaultHealthTimeout bounds the whole check: connect, send, read the
// status line.
const defaultHealthTimeout = 3 * time.Second

// maxStatusLine bounds what the check reads of the answer.
const maxStatusLine = 1024

// healthcheck is the "healthcheck" mode of the binary: one GET over a raw
// TCP connection (the binary does not link net/http), judged by the status
// line alone.
func healthcheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.Duration("timeout", defaultHealthTimeout, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, healthcheckUsage)
			return exitOK
		}
		fmt.Fprintf(stderr, "httpserver: healthcheck: %v\n", err)
		return exitUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "httpserver: healthcheck: unexpected argument %q\n", fs.Arg(1))
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "httpserver: healthcheck: --timeout must be positive, not %s\n", *timeout)
		return exitUsage
	}
	target := fs.Arg(0)
	if target == "" {
		target = defaultHealthURL(getenv("HTTPSERVER_ADDR"))
	}
	u, err := parseHealthURL(target)
	if err != nil {
		fmt.Fprintf(stderr, "httpserver: healthcheck: %v\n", err)
		return exitUsage
	}
	status, err := getStatus(u, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "httpserver: healthcheck: GET %s: %v\n", u, err)
		return exitFailed
	}
	if !strings.HasPrefix(status, "200 ") && status != "200" {
		fmt.Fprintf(stderr, "httpserver: healthcheck: GET %s: %s\n", u, status)
		return exitFailed
	}
	fmt.Fprintf(stdout, "httpserver: healthcheck: GET %s: %s\n", u, status)
	return exitOK
}

// defaultHealthURL is /health on the loopback address and port of the
// listen address addr (":8080" if empty): a wildcard or missing host
// becomes 127.0.0.1.
func defaultHealthURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if addr == "" || err != nil || port == "" || port == "0" {
		host, port = "", "8080"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/health"
}

// parseHealthURL accepts an absolute http URL with a host.
func parseHealthURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("invalid URL %q", s)
	case u.Scheme != "http":
		return nil, fmt.Errorf("invalid URL %q (want http://HOST[:PORT]/PATH)", s)
	case u.Host == "" || u.User != nil:
		return nil, fmt.Errorf("invalid URL %q (want http://HOST[:PORT]/PATH)", s)
	}
	return u, nil
}

// getStatus sends GET u over a new connection and returns the status code
// and reason of the answer, e.g. "200 OK", within timeout.
func getStatus(u *url.URL, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	hostport := u.Host
	if u.Port() == "" {
		hostport = net.JoinHostPort(u.Hostname(), "80")
	}
	c, err := net.DialTimeout("tcp", hostport, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUser-Agent: httpserver-healthcheck\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return "", err
	}
	line, err := bufio.NewReaderSize(io.LimitReader(c, maxStatusLine), maxStatusLine).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("reading the status line: %w", err)
	}
	// RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
	version, rest, ok := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
	if !ok || !strings.HasPrefix(version, "HTTP/1.") || len(rest) < 3 {
		return "", fmt.Errorf("not an HTTP/1.x status line: %q", line)
	}
	return rest, nil
}
