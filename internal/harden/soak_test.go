package harden

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/internal/harden/soak"
	"github.com/rawsock/httpserver/internal/testserver"
)

// soakShort is the length of the soak's short form; the long form is the
// program internal/harden/cmd/soak (30 minutes by default).
const soakShort = 20 * time.Second

// TestSoak runs the soak's short form on the binary, on the epoll and
// goroutine engines at once (only on HTTPSERVER_TEST_ENGINE's when set), at half the program's rate (about 500
// operations per second each): every operation succeeds, memory does not
// climb through the run, and once the clients stop the connections,
// descriptors and goroutines (outside the worker pool, whose idle workers
// exit on their own timer) are back to the baseline, and SIGTERM ends the
// server with exit 0.
func TestSoak(t *testing.T) {
	engines := []httpserver.Engine{httpserver.EngineEpoll, httpserver.EngineGoroutine}
	if os.Getenv(testserver.EnvEngine) != "" {
		engines = []httpserver.Engine{testserver.Engine(t)}
	}
	bin := binary(t)
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			res, err := soak.Run(t.Context(), soak.Config{
				Binary: bin, Engine: string(e), Duration: soakShort, Scale: 0.5,
				Settle: 10 * time.Second, Logf: t.Logf,
			})
			if err != nil {
				t.Fatal(err)
			}
			v := soak.Analyze(res.Samples, res.Duration, soak.Criteria{})
			var sum strings.Builder
			soak.WriteSummary(&sum, res, v)
			t.Log("\n" + sum.String() + "  (the flatness verdict wants 30 samples after the warm-up; the short form checks memory loosely below)")
			// Failures without the verdict: 20 s is too short for the
			// slopes; the looser check on memory follows.
			for _, f := range res.Failures(nil) {
				t.Error(f)
			}
			if n := len(res.Samples); n < int(soakShort/time.Second)*3/4 {
				t.Errorf("%d samples in %v", n, soakShort)
			}
			if res.TotalRequests() < int64(soakShort.Seconds())*100 {
				t.Errorf("%d operations in %v: the clients hardly ran", res.TotalRequests(), soakShort)
			}
			for _, k := range []string{"keepalive", "newconn", "static", "echo", "slowhead", "slowbody", "slowread", "ws", "h2"} {
				if res.Requests[k] == 0 {
					t.Errorf("no %s operation done", k)
				}
			}
			rss := v.Series[0]
			if rss.LastMean > 1.25*rss.RefMean {
				t.Errorf("memory climbed: last-window mean %.0f KiB, reference window %.0f KiB", rss.LastMean, rss.RefMean)
			}
		})
	}
}
