// Command soak runs the soak test of issue 15 against the httpserver
// binary: a fixed mix of loopback traffic (keep-alive, new connections,
// static files with ranges and conditionals, /api/echo with bodies, slow
// clients, WebSocket, h2c) for a set time, sampling the server's resident
// memory, goroutines and open descriptors every second into a CSV. It
// exits 1 when an operation failed, when the figures are not flat after
// the warm-up (see soak.Criteria) or when descriptors and goroutines do
// not come back to the idle baseline once the clients stop.
//
//	go run ./internal/harden/cmd/soak -engine epoll -duration 30m -csv epoll.csv
//
// With -plot it draws CSVs (label=path, in order) as one SVG instead, and
// with -check it only analyzes them (both print the flatness figures):
//
//	go run ./internal/harden/cmd/soak -plot docs/soak.svg -duration 30m epoll=epoll.csv goroutine=goroutine.csv
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rawsock/httpserver/internal/harden/soak"
)

func main() {
	var (
		bin      = flag.String("bin", "", "httpserver binary to run (default: go build ./cmd/httpserver into a temporary directory)")
		engine   = flag.String("engine", "epoll", "the binary's --engine")
		duration = flag.Duration("duration", 30*time.Minute, "how long the traffic runs")
		warmup   = flag.Duration("warmup", 0, "warm-up before the flatness checks (default: a sixth of the run, at most 5m)")
		scale    = flag.Float64("scale", 1, "rate multiplier; 1 is about 1,000 operations per second")
		seed     = flag.Uint64("seed", 1, "seed of the clients' choices")
		csvPath  = flag.String("csv", "", "write the samples to this CSV file")
		logPath  = flag.String("log", "", "write the server's log to this file")
		check    = flag.Bool("check", false, "analyze the CSVs named as arguments (label=path) for flatness and exit, 1 if one is not flat")
		plot     = flag.String("plot", "", "draw the CSVs named as arguments (engine=path) into this SVG file and exit")
	)
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if *plot != "" || *check {
		runs, err := readRuns(*duration, flag.Args())
		if err != nil {
			log.Fatal(err)
		}
		flat := true
		for _, r := range runs {
			v := soak.Analyze(r.Samples, *duration, soak.Criteria{Warmup: *warmup})
			fmt.Printf("%s: %d samples\n", r.Label, len(r.Samples))
			soak.WriteVerdict(os.Stdout, v)
			flat = flat && v.Flat
			*warmup = v.Criteria.Warmup
		}
		if *plot != "" {
			if err := drawPlot(*plot, *duration, *warmup, runs); err != nil {
				log.Fatal(err)
			}
		}
		if *check && !flat {
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *bin == "" {
		dir, err := os.MkdirTemp("", "soak-bin")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "httpserver")
		if out, err := exec.Command("go", "build", "-o", *bin, "github.com/rawsock/httpserver/cmd/httpserver").CombinedOutput(); err != nil {
			log.Fatalf("go build: %v\n%s", err, out)
		}
	}
	cfg := soak.Config{Binary: *bin, Engine: *engine, Duration: *duration, Scale: *scale, Seed: *seed, Logf: log.Printf}
	if *csvPath != "" {
		f, err := os.Create(*csvPath)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		cfg.CSV = f
	}
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		cfg.Log = f
	}
	res, err := soak.Run(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	v := soak.Analyze(res.Samples, res.Duration, soak.Criteria{Warmup: *warmup})
	soak.WriteSummary(os.Stdout, res, v)
	if fails := res.Failures(&v); len(fails) > 0 {
		fmt.Println("FAIL:\n  " + strings.Join(fails, "\n  "))
		os.Exit(1)
	}
	fmt.Println("PASS")
}

// readRuns reads each label=path CSV, keeping the samples taken within
// duration (a CSV written before the program dropped them may end with a
// sample taken as the clients stopped).
func readRuns(duration time.Duration, args []string) ([]soak.Labeled, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("name the CSVs as label=path arguments")
	}
	var runs []soak.Labeled
	for _, a := range args {
		label, path, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("argument %q is not label=path", a)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		samples, err := soak.ReadCSV(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		samples = slices.DeleteFunc(samples, func(s soak.Sample) bool { return s.T >= duration })
		runs = append(runs, soak.Labeled{Label: label, Samples: samples})
	}
	return runs, nil
}

// drawPlot draws runs into out.
func drawPlot(out string, duration, warmup time.Duration, runs []soak.Labeled) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("httpserver soak: %v of mixed loopback traffic, sampled every second", duration)
	if err := soak.PlotSVG(f, title, runs, duration, warmup); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
