// Command benchreport turns the results of bench/run.sh into the tables of
// docs/benchmarks.md (medians over the rounds, ratios to net/http and
// fasthttp) and an SVG bar chart. The headline is requests per server
// CPU-second against fasthttp: the median of the per-round ratios (each
// round runs every server back to back) with their spread, req/s and p99
// beside it, and the load average during the runs.
//
//	go run ./cmd/benchreport -dir results -svg ../docs/benchmarks.svg
//	go run ./cmd/benchreport -dir results -svg ../docs/benchmarks.svg -h2
//
// With h2.tsv in the directory (bench/h2.sh) it also reports the HTTP/2
// runs and adds their panels to the chart; -h2 prints only that report.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// run is one wrk run of one server.
type run struct {
	scenario, server        string
	round                   string
	rps, p50, p99, rss, cpu float64
	errors, requests, load  float64
}

// summary is the median of a server's runs in a scenario.
type summary struct {
	rps, p50, p99, rss, perCPU, errors float64
	n                                  int
}

var servers = []string{"httpserver-goroutine", "httpserver-pool", "httpserver-epoll", "nethttp", "fasthttp"}
var scenarios = []string{"plaintext-c64", "plaintext-c256", "pipelined16-c256", "json-c256"}

func main() {
	dir := flag.String("dir", "results", "directory with raw.tsv, idle.tsv and machine.txt")
	svg := flag.String("svg", "", "write the chart here")
	onlyH2 := flag.Bool("h2", false, "print only the HTTP/2 report (h2.tsv, bench/h2.sh); the chart still has every panel")
	flag.Parse()

	runs, err := readRuns(filepath.Join(*dir, "raw.tsv"))
	if err != nil {
		log.Fatal(err)
	}
	sums := summarize(runs)
	h2runs, err := readH2(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if *onlyH2 {
		printH2(h2runs, *dir)
		writeChart(*svg, sums, h2runs, wsPanels(*dir))
		return
	}
	if b, err := os.ReadFile(filepath.Join(*dir, "machine.txt")); err == nil {
		fmt.Println("```")
		fmt.Print(string(b))
		fmt.Println("```")
		fmt.Println()
	}
	printHeadline(sums, *dir)
	printRatios(runs)
	for _, sc := range scenarios {
		printScenario(sc, sums)
	}
	printIdle(*dir)
	printH2(h2runs, *dir)
	printWebSocket(*dir)
	writeChart(*svg, sums, h2runs, wsPanels(*dir))
}

// writeChart writes the chart to path, unless path is empty.
func writeChart(path string, sums map[string]map[string]summary, h2runs []h2Run, ws []panel) {
	if path == "" {
		return
	}
	if err := os.WriteFile(path, chart(sums, h2runs, ws), 0o644); err != nil {
		log.Fatal(err)
	}
}

func readRuns(path string) ([]run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []run
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) < 10 || fs[0] == "round" {
			continue
		}
		num := func(i int) float64 { v, _ := strconv.ParseFloat(fs[i], 64); return v }
		r := run{round: fs[0], scenario: fs[1], server: fs[2], rps: num(3), p50: num(4), p99: num(5),
			rss: num(6), cpu: num(7), errors: num(8), requests: num(9)}
		if len(fs) > 10 {
			r.load = num(10)
		}
		runs = append(runs, r)
	}
	return runs, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func summarize(runs []run) map[string]map[string]summary {
	type acc struct{ rps, p50, p99, rss, perCPU, errors []float64 }
	accs := map[[2]string]*acc{}
	for _, r := range runs {
		k := [2]string{r.scenario, r.server}
		a := accs[k]
		if a == nil {
			a = &acc{}
			accs[k] = a
		}
		a.rps = append(a.rps, r.rps)
		a.p50 = append(a.p50, r.p50)
		a.p99 = append(a.p99, r.p99)
		a.rss = append(a.rss, r.rss)
		a.errors = append(a.errors, r.errors)
		if r.cpu > 0 {
			a.perCPU = append(a.perCPU, r.requests/r.cpu)
		}
	}
	out := map[string]map[string]summary{}
	for k, a := range accs {
		if out[k[0]] == nil {
			out[k[0]] = map[string]summary{}
		}
		out[k[0]][k[1]] = summary{rps: median(a.rps), p50: median(a.p50), p99: median(a.p99),
			rss: median(a.rss), perCPU: median(a.perCPU), errors: median(a.errors), n: len(a.rps)}
	}
	return out
}

func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func kilo(v float64) string {
	if v >= 1e6 {
		return fmt.Sprintf("%.2fM", v/1e6)
	}
	return fmt.Sprintf("%.1fk", v/1e3)
}

func ms(us float64) string { return fmt.Sprintf("%.2f ms", us/1000) }

// printHeadline prints the table in the shape of the targets:
// requests per server CPU-second first, req/s and p99 beside it.
func printHeadline(sums map[string]map[string]summary, dir string) {
	idle := readIdle(dir)
	fmt.Println("| server | plaintext c256 req per CPU-s | req/s | p99 | pipelined x16 c256 req per CPU-s | req/s | p99 | RSS per idle keep-alive conn (18,000) |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, s := range servers {
		p, pl := sums["plaintext-c256"][s], sums["pipelined16-c256"][s]
		kib := "—"
		if v, ok := idle[[2]string{s, "18000"}]; ok {
			kib = fmt.Sprintf("%.2f KiB", v)
		} else if v, ok := idle[[2]string{s, "10000"}]; ok {
			kib = fmt.Sprintf("%.2f KiB (10,000)", v)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", s, kilo(p.perCPU), kilo(p.rps), ms(p.p99),
			kilo(pl.perCPU), kilo(pl.rps), ms(pl.p99), kib)
	}
	fmt.Println()
}

// printRatios prints, per scenario and server, the ratio of requests per
// server CPU-second to fasthttp's in the same round: the median over the
// rounds, the lowest and highest, and the median 1-minute load average.
func printRatios(runs []run) {
	perCPU := map[[3]string]float64{} // round, scenario, server
	loads := map[[2]string][]float64{}
	for _, r := range runs {
		if r.cpu > 0 {
			perCPU[[3]string{r.round, r.scenario, r.server}] = r.requests / r.cpu
		}
		loads[[2]string{r.scenario, r.server}] = append(loads[[2]string{r.scenario, r.server}], r.load)
	}
	fmt.Println("| requests per server CPU-second vs fasthttp, same round | " + strings.Join(servers[:len(servers)-1], " | ") + " | load average (1 min, median) |")
	fmt.Println("|---" + strings.Repeat("|---", len(servers)) + "|")
	for _, sc := range scenarios {
		var cells []string
		var ls []float64
		for _, s := range servers[:len(servers)-1] {
			var ratios []float64
			for k, v := range perCPU {
				if k[1] != sc || k[2] != s {
					continue
				}
				if f := perCPU[[3]string{k[0], sc, "fasthttp"}]; f > 0 {
					ratios = append(ratios, v/f)
				}
			}
			ls = append(ls, loads[[2]string{sc, s}]...)
			if len(ratios) == 0 {
				cells = append(cells, "—")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.2f× (%.2f–%.2f, n=%d)", median(ratios), slices.Min(ratios), slices.Max(ratios), len(ratios)))
		}
		if len(ls) == 0 || slices.Max(ls) == 0 && slices.Min(ls) == 0 && cells[0] == "—" {
			continue
		}
		fmt.Printf("| %s | %s | %.2f |\n", sc, strings.Join(cells, " | "), median(ls))
	}
	fmt.Println()
}

func printScenario(sc string, sums map[string]map[string]summary) {
	m := sums[sc]
	if len(m) == 0 {
		return
	}
	base, fast := m["nethttp"], m["fasthttp"]
	fmt.Printf("### %s (median of %d runs)\n\n", sc, m[servers[0]].n)
	fmt.Println("| server | req/s | p50 | p99 | RSS | req per CPU-s | req/s vs net/http | req/s vs fasthttp | CPU efficiency vs fasthttp | errors |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range servers {
		r, ok := m[s]
		if !ok {
			continue
		}
		fmt.Printf("| %s | %s | %s | %s | %.1f MiB | %s | %s | %s | %s | %.0f |\n", s, kilo(r.rps), ms(r.p50), ms(r.p99),
			r.rss/1024, kilo(r.perCPU), ratio(r.rps, base.rps), ratio(r.rps, fast.rps), ratio(r.perCPU, fast.perCPU), r.errors)
	}
	fmt.Println()
}

func readIdle(dir string) map[[2]string]float64 {
	out := map[[2]string]float64{}
	b, err := os.ReadFile(filepath.Join(dir, "idle.tsv"))
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Split(line, "\t")
		if len(fs) < 5 || fs[0] == "server" {
			continue
		}
		v, _ := strconv.ParseFloat(fs[4], 64)
		out[[2]string{fs[0], fs[1]}] = v
	}
	return out
}

func printIdle(dir string) {
	idle := readIdle(dir)
	if len(idle) == 0 {
		return
	}
	fmt.Println("### Idle keep-alive connections (RSS above baseline, per connection)")
	fmt.Println()
	fmt.Println("| server | 10,000 conns | 18,000 conns | vs fasthttp (18,000) |")
	fmt.Println("|---|---|---|---|")
	for _, s := range servers {
		a, okA := idle[[2]string{s, "10000"}]
		b, okB := idle[[2]string{s, "18000"}]
		if !okA && !okB {
			continue
		}
		kib := func(v float64, ok bool) string {
			if !ok {
				return "—"
			}
			return fmt.Sprintf("%.2f KiB", v)
		}
		fmt.Printf("| %s | %s | %s | %s |\n", s, kib(a, okA), kib(b, okB), ratio(b, idle[[2]string{"fasthttp", "18000"}]))
	}
	fmt.Println()
}

// panel is one titled group of horizontal bars in the chart.
type panel struct {
	title  string
	bars   []bar
	format func(float64) string
}

// bar is one server's value in a panel.
type bar struct {
	server string
	value  float64
}

// httpPanels are the panels of the HTTP benchmark: median requests per
// server CPU-second per scenario.
func httpPanels(sums map[string]map[string]summary) []panel {
	var ps []panel
	for _, sc := range scenarios {
		m := sums[sc]
		if len(m) == 0 {
			continue
		}
		p := panel{title: sc + " — requests per server CPU-second (median)", format: kilo}
		for _, s := range servers {
			if r, ok := m[s]; ok {
				p.bars = append(p.bars, bar{s, r.perCPU})
			}
		}
		ps = append(ps, p)
	}
	return ps
}

// chart draws the HTTP panels, then the HTTP/2 panels (h2Panels), then
// the WebSocket panels (ws), each scaled to its own largest value.
func chart(sums map[string]map[string]summary, h2runs []h2Run, ws []panel) []byte {
	const (
		width   = 760
		labelW  = 170
		barH    = 16
		gap     = 4
		titleH  = 26
		panelGp = 14
	)
	colors := map[string]string{"httpserver-goroutine": "#1f77b4", "httpserver-pool": "#6baed6",
		"httpserver-epoll": "#08306b", "nethttp": "#999999", "fasthttp": "#d62728",
		"httpserver-epoll-events": "#2ca02c", "gorilla": "#999999", "coder": "#ff7f0e", "nbio": "#d62728"}
	var b strings.Builder
	y := 10
	var body strings.Builder
	drawPanels := func(panels []panel) {
		for _, p := range panels {
			top := 0.0
			for _, r := range p.bars {
				top = max(top, r.value)
			}
			fmt.Fprintf(&body, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+16, html.EscapeString(p.title))
			y += titleH
			for _, r := range p.bars {
				w := 0
				if top > 0 {
					w = int(r.value / top * float64(width-labelW-90))
				}
				fmt.Fprintf(&body, `<text x="10" y="%d">%s</text>`, y+12, r.server)
				fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, labelW, y, w, barH, colors[r.server])
				fmt.Fprintf(&body, `<text x="%d" y="%d">%s</text>`+"\n", labelW+w+6, y+12, p.format(r.value))
				y += barH + gap
			}
			y += panelGp
		}
	}
	drawPanels(httpPanels(sums))
	y = h2Panels(&body, y, h2runs)
	drawPanels(ws)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, y)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return []byte(b.String())
}
