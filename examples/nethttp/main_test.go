package main

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// childEnv, when set, makes the test binary run the example's main with
// the arguments that follow it instead of the tests.
const childEnv = "EXAMPLE_NETHTTP_RUN_MAIN"

func TestMain(m *testing.M) {
	if addr := os.Getenv(childEnv); addr != "" {
		os.Args = []string{os.Args[0], "-addr", addr, "-dir", os.TempDir()}
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// TestSignalFinishesStream runs the example as a process, starts the
// /api/ticks stream, signals the process after the first tick and checks
// that the stream still ends whole and the process exits 0: SIGINT once
// returned from main before Shutdown finished, cutting the stream, and
// SIGTERM was not caught at all.
func TestSignalFinishesStream(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			addr := freeAddr(t)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+addr)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				cmd.Process.Kill()
				<-exited
			}()

			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			resp := waitGet(t, c, "http://"+addr+"/api/ticks")
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			var lines []string
			if sc.Scan() {
				lines = append(lines, sc.Text())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			if err := sc.Err(); err != nil || len(lines) != 5 || lines[4] != "tick 4" {
				t.Errorf("stream after %v: %q, err %v; want tick 0 to tick 4", sig, lines, err)
			}
			select {
			case err := <-exited:
				exited <- err
				if err != nil {
					t.Errorf("after %v the example exited with %v, want status 0", sig, err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("the example still runs 10 s after %v", sig)
			}
		})
	}
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitGet retries a GET for up to 10 s while the example starts.
func waitGet(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			return resp
		}
		var op *net.OpError
		if !errors.As(err, &op) || time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
