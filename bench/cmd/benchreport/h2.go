package main

import (
	"bufio"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The HTTP/2 benchmark (bench/h2.sh): h2.tsv, one row per h2load run.

// h2Run is one h2load run of one server on one response size.
type h2Run struct {
	size, round, server   string
	perCPU, rps, errs, ld float64
}

var h2Servers = []string{"httpserver-goroutine", "httpserver-pool", "httpserver-epoll", "nethttp", "h2o"}

// h2Sizes are the responses, with the label the tables and the chart use.
var h2Sizes = [][2]string{{"small", "13 B"}, {"64k", "64 KiB"}}

// readH2 reads dir/h2.tsv; a missing file is no runs.
func readH2(dir string) ([]h2Run, error) {
	f, err := os.Open(filepath.Join(dir, "h2.tsv"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []h2Run
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) < 7 || fs[0] == "size" {
			continue
		}
		num := func(i int) float64 { v, _ := strconv.ParseFloat(fs[i], 64); return v }
		runs = append(runs, h2Run{size: fs[0], round: fs[1], server: fs[2], perCPU: num(3), rps: num(4), errs: num(5), ld: num(6)})
	}
	return runs, sc.Err()
}

// h2Median is the median of one field over a server's runs on a size.
func h2Median(runs []h2Run, size, server string, field func(h2Run) float64) (med, lo, hi float64, n int) {
	var v []float64
	for _, r := range runs {
		if r.size == size && r.server == server {
			v = append(v, field(r))
		}
	}
	if len(v) == 0 {
		return 0, 0, 0, 0
	}
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return median(v), lo, hi, len(v)
}

// h2Ratio is the median, lowest and highest over the rounds of server's
// requests per CPU-second divided by peer's in the same round.
func h2Ratio(runs []h2Run, size, server, peer string) string {
	by := map[string]map[string]float64{}
	for _, r := range runs {
		if r.size != size {
			continue
		}
		if by[r.round] == nil {
			by[r.round] = map[string]float64{}
		}
		by[r.round][r.server] = r.perCPU
	}
	var v []float64
	for _, m := range by {
		if a, b := m[server], m[peer]; a > 0 && b > 0 {
			v = append(v, a/b)
		}
	}
	if len(v) == 0 {
		return "—"
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", median(v), lo, hi)
}

// printH2 prints, per response size, each server's median requests per
// CPU-second with its range, req/s, errors, and the per-round ratios to
// net/http and h2o, and the median load average.
func printH2(runs []h2Run, dir string) {
	if len(runs) == 0 {
		return
	}
	fmt.Println("### HTTP/2 over TLS (bench/h2.sh)")
	fmt.Println()
	if b, err := os.ReadFile(filepath.Join(dir, "h2-machine.txt")); err == nil {
		fmt.Println("```")
		fmt.Print(string(b))
		fmt.Println("```")
		fmt.Println()
	}
	for _, sz := range h2Sizes {
		var loads []float64
		for _, r := range runs {
			if r.size == sz[0] {
				loads = append(loads, r.ld)
			}
		}
		fmt.Printf("#### %s response (median of the rounds; load average %.1f)\n\n", sz[1], median(loads))
		fmt.Println("| server | req per CPU-s (lowest–highest) | req/s | vs net/http | vs h2o | errors |")
		fmt.Println("|---|---|---|---|---|---|")
		for _, s := range h2Servers {
			per, lo, hi, n := h2Median(runs, sz[0], s, func(r h2Run) float64 { return r.perCPU })
			if n == 0 {
				continue
			}
			rps, _, _, _ := h2Median(runs, sz[0], s, func(r h2Run) float64 { return r.rps })
			var errs float64
			for _, r := range runs {
				if r.size == sz[0] && r.server == s {
					errs += r.errs
				}
			}
			fmt.Printf("| %s | %s (%s–%s) | %s | %s | %s | %.0f |\n", s, kilo(per), kilo(lo), kilo(hi), kilo(rps),
				h2Ratio(runs, sz[0], s, "nethttp"), h2Ratio(runs, sz[0], s, "h2o"), errs)
		}
		fmt.Println()
	}
}

// h2Panels draws the chart's HTTP/2 panels below the others, from y; it
// returns the new y.
func h2Panels(body *strings.Builder, y int, runs []h2Run) int {
	const (
		width  = 760
		labelW = 170
		barH   = 16
		gap    = 4
	)
	colors := map[string]string{"httpserver-goroutine": "#1f77b4", "httpserver-pool": "#6baed6",
		"httpserver-epoll": "#08306b", "nethttp": "#999999", "h2o": "#2ca02c"}
	for _, sz := range h2Sizes {
		top := 0.0
		for _, s := range h2Servers {
			per, _, _, _ := h2Median(runs, sz[0], s, func(r h2Run) float64 { return r.perCPU })
			top = max(top, per)
		}
		if top == 0 {
			continue
		}
		fmt.Fprintf(body, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+16,
			html.EscapeString("h2 over TLS, "+sz[1]+", h2load -c16 -m32 — requests per server CPU-second (median)"))
		y += 26
		for _, s := range h2Servers {
			per, _, _, n := h2Median(runs, sz[0], s, func(r h2Run) float64 { return r.perCPU })
			if n == 0 {
				continue
			}
			w := int(per / top * float64(width-labelW-90))
			fmt.Fprintf(body, `<text x="10" y="%d">%s</text>`, y+12, s)
			fmt.Fprintf(body, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, labelW, y, w, barH, colors[s])
			fmt.Fprintf(body, `<text x="%d" y="%d">%s</text>`+"\n", labelW+w+6, y+12, kilo(per))
			y += barH + gap
		}
		y += 14
	}
	return y
}
