package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The WebSocket benchmark (bench/ws.sh): ws_raw.tsv has the columns of
// raw.tsv with messages in place of requests; ws_idle.tsv has the idle
// WebSockets, with the RSS after a forced GC beside it.
var (
	wsServers   = []string{"httpserver-goroutine", "httpserver-pool", "httpserver-epoll", "httpserver-epoll-events", "gorilla", "coder", "nbio"}
	wsScenarios = []string{"ws-echo-1k-c256", "ws-echo-64k-c256"}
)

// wsIdle is one server's idle-WebSocket result.
type wsIdle struct {
	conns          string
	perConn, perGC float64
	load           string
}

// wsResults reads the WebSocket results of dir, if there are any.
func wsResults(dir string) ([]run, map[string]wsIdle) {
	runs, err := readRuns(filepath.Join(dir, "ws_raw.tsv"))
	if err != nil {
		return nil, nil
	}
	idle := map[string]wsIdle{}
	if b, err := os.ReadFile(filepath.Join(dir, "ws_idle.tsv")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Split(line, "\t")
			if len(fs) < 8 || fs[0] == "server" {
				continue
			}
			a, errA := strconv.ParseFloat(fs[4], 64)
			g, errG := strconv.ParseFloat(fs[6], 64)
			if errA != nil || errG != nil {
				continue
			}
			idle[fs[0]] = wsIdle{conns: fs[1], perConn: a, perGC: g, load: fs[7]}
		}
	}
	return runs, idle
}

// perRoundRatios gives, per server of a scenario, the ratios of messages
// per server CPU-second to base's in the same round.
func perRoundRatios(runs []run, sc, base string) map[string][]float64 {
	perCPU := map[[2]string]float64{} // round, server
	for _, r := range runs {
		if r.scenario == sc && r.cpu > 0 {
			perCPU[[2]string{r.round, r.server}] = r.requests / r.cpu
		}
	}
	out := map[string][]float64{}
	for k, v := range perCPU {
		if b := perCPU[[2]string{k[0], base}]; b > 0 {
			out[k[1]] = append(out[k[1]], v/b)
		}
	}
	return out
}

// printWebSocket prints the tables of the WebSocket benchmark.
func printWebSocket(dir string) {
	runs, idle := wsResults(dir)
	if len(runs) == 0 {
		return
	}
	sums := summarize(runs)
	fmt.Println("## WebSocket (`bench/ws.sh`)")
	fmt.Println()
	if b, err := os.ReadFile(filepath.Join(dir, "ws_machine.txt")); err == nil {
		fmt.Println("```")
		fmt.Print(string(b))
		fmt.Println("```")
		fmt.Println()
	}
	fmt.Println("| server | 1 KiB echo: msg per CPU-s | vs gorilla, same round | msg/s | p99 | 64 KiB echo: msg per CPU-s | vs gorilla, same round | msg/s | p99 | idle WebSocket RSS | after forced GC |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	ratios := map[string]map[string][]float64{}
	for _, sc := range wsScenarios {
		ratios[sc] = perRoundRatios(runs, sc, "gorilla")
	}
	cell := func(v []float64) string {
		if len(v) == 0 {
			return "—"
		}
		return fmt.Sprintf("%.2f× (%.2f–%.2f)", median(v), slices.Min(v), slices.Max(v))
	}
	for _, s := range wsServers {
		a, okA := sums[wsScenarios[0]][s]
		b, okB := sums[wsScenarios[1]][s]
		id, okI := idle[s]
		if !okA && !okB && !okI {
			continue
		}
		kib := func(v float64) string {
			if !okI {
				return "—"
			}
			return fmt.Sprintf("%.2f KiB", v)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s,
			kilo(a.perCPU), cell(ratios[wsScenarios[0]][s]), kilo(a.rps), ms(a.p99),
			kilo(b.perCPU), cell(ratios[wsScenarios[1]][s]), kilo(b.rps), ms(b.p99),
			kib(id.perConn), kib(id.perGC))
	}
	fmt.Println()
	loads := map[string][]float64{}
	n := 0
	for _, r := range runs {
		loads[r.scenario] = append(loads[r.scenario], r.load)
		n = max(n, atoi(r.round))
	}
	fmt.Printf("Medians of %d rounds; ranges are the lowest and highest per-round ratio. Load average (1 min, median): ", n)
	var ls []string
	for _, sc := range wsScenarios {
		if len(loads[sc]) > 0 {
			ls = append(ls, fmt.Sprintf("%s %.2f", sc, median(loads[sc])))
		}
	}
	fmt.Print(strings.Join(ls, ", "))
	for _, s := range wsServers {
		if id, ok := idle[s]; ok {
			fmt.Printf("; idle test (%s WebSockets) %s", id.conns, id.load)
			break
		}
	}
	fmt.Println(".")
	fmt.Println()
	for _, sc := range wsScenarios {
		m := sums[sc]
		if len(m) == 0 {
			continue
		}
		fmt.Printf("### %s (median of %d runs)\n\n", sc, n)
		fmt.Println("| server | msg/s | p50 | p99 | RSS | msg per CPU-s | errors |")
		fmt.Println("|---|---|---|---|---|---|---|")
		for _, s := range wsServers {
			if r, ok := m[s]; ok {
				fmt.Printf("| %s | %s | %s | %s | %.1f MiB | %s | %.0f |\n", s, kilo(r.rps), ms(r.p50), ms(r.p99), r.rss/1024, kilo(r.perCPU), r.errors)
			}
		}
		fmt.Println()
	}
}

func atoi(s string) int { v, _ := strconv.Atoi(s); return v }

// wsPanels are the chart panels of the WebSocket benchmark: messages per
// server CPU-second per echo size, and KiB per idle WebSocket.
func wsPanels(dir string) []panel {
	runs, idle := wsResults(dir)
	if len(runs) == 0 {
		return nil
	}
	sums := summarize(runs)
	var ps []panel
	titles := map[string]string{"ws-echo-1k-c256": "WebSocket echo 1 KiB, 256 conns", "ws-echo-64k-c256": "WebSocket echo 64 KiB, 256 conns"}
	for _, sc := range wsScenarios {
		p := panel{title: titles[sc] + " — messages per server CPU-second (median)", format: kilo}
		for _, s := range wsServers {
			if r, ok := sums[sc][s]; ok {
				p.bars = append(p.bars, bar{s, r.perCPU})
			}
		}
		if len(p.bars) > 0 {
			ps = append(ps, p)
		}
	}
	if len(idle) > 0 {
		p := panel{format: func(v float64) string { return fmt.Sprintf("%.2f KiB", v) }}
		for _, s := range wsServers {
			if id, ok := idle[s]; ok {
				p.bars = append(p.bars, bar{s, id.perGC})
				p.title = fmt.Sprintf("Idle WebSocket, %s conns — server RSS per connection after a forced GC (lower is better)", id.conns)
			}
		}
		ps = append(ps, p)
	}
	return ps
}
