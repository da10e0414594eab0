package soak

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// Labeled is one run's samples with the label its line gets in a plot.
type Labeled struct {
	Label   string
	Samples []Sample
}

// plot geometry, in SVG user units.
const (
	plotWidth   = 960
	panelHeight = 200
	marginLeft  = 70
	marginRight = 20
	marginTop   = 50
	panelGap    = 50
)

// lineColors are the colours of the runs' lines, in order.
var lineColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

// PlotSVG draws the runs as one SVG: three panels over time (resident
// memory in MiB, goroutines, open descriptors), a line per run, each
// y axis from zero, and a dashed line where the warm-up ends (none when
// warmup is 0). The time axis spans span, or the runs' samples when span
// is 0.
func PlotSVG(w io.Writer, title string, runs []Labeled, span, warmup time.Duration) error {
	panels := []struct {
		name string
		get  func(Sample) float64
	}{
		{"resident memory (MiB)", func(s Sample) float64 { return float64(s.RSSKiB) / 1024 }},
		{"goroutines", func(s Sample) float64 { return float64(s.Goroutines) }},
		{"open descriptors", func(s Sample) float64 { return float64(s.FDs) }},
	}
	tmax := span.Minutes()
	for _, r := range runs {
		if n := len(r.Samples); n > 0 && span == 0 {
			tmax = max(tmax, r.Samples[n-1].T.Minutes())
		}
	}
	if tmax <= 0 {
		return fmt.Errorf("soak: nothing to plot")
	}
	xTicks := niceTicks(tmax)
	tmax = max(tmax, xTicks[len(xTicks)-1])
	height := marginTop + len(panels)*(panelHeight+panelGap)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		plotWidth, height, plotWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15">%s</text>`+"\n", marginLeft, html.EscapeString(title))
	// Legend.
	lx := marginLeft
	for i, r := range runs {
		c := lineColors[i%len(lineColors)]
		fmt.Fprintf(&b, `<line x1="%d" y1="36" x2="%d" y2="36" stroke="%s" stroke-width="2"/><text x="%d" y="40">%s</text>`+"\n",
			lx, lx+20, c, lx+25, html.EscapeString(r.Label))
		lx += 40 + 8*len(r.Label)
	}
	if warmup > 0 {
		fmt.Fprintf(&b, `<line x1="%d" y1="36" x2="%d" y2="36" stroke="#777" stroke-dasharray="4 3"/><text x="%d" y="40">end of warm-up (%v)</text>`+"\n",
			lx, lx+20, lx+25, warmup)
	}
	innerW := float64(plotWidth - marginLeft - marginRight)
	x := func(t float64) float64 { return marginLeft + innerW*t/tmax }
	for pi, p := range panels {
		top := float64(marginTop + pi*(panelHeight+panelGap) + 10)
		var ymax float64
		for _, r := range runs {
			for _, s := range r.Samples {
				ymax = max(ymax, p.get(s))
			}
		}
		yTicks := niceTicks(max(ymax, 1))
		ytop := yTicks[len(yTicks)-1]
		y := func(v float64) float64 { return top + panelHeight*(1-v/ytop) }
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-weight="bold">%s</text>`+"\n", marginLeft, top-6, p.name)
		for _, v := range yTicks {
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
				marginLeft, y(v), plotWidth-marginRight, y(v), marginLeft-6, y(v)+4, fmtTick(v))
		}
		for _, t := range xTicks {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
				x(t), top, x(t), top+panelHeight, x(t), top+panelHeight+15, fmtTick(t))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">minutes</text>`+"\n", plotWidth-marginRight, top+panelHeight+30)
		if warmup > 0 {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#777" stroke-dasharray="4 3"/>`+"\n",
				x(warmup.Minutes()), top, x(warmup.Minutes()), top+panelHeight)
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%.1f" height="%d" fill="none" stroke="#999"/>`+"\n", marginLeft, top, innerW, panelHeight)
		for i, r := range runs {
			if len(r.Samples) == 0 {
				continue
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.2" points="`, lineColors[i%len(lineColors)])
			for j, s := range thin(r.Samples, p.get) {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%.1f,%.1f", x(min(s.T.Minutes(), tmax)), y(p.get(s)))
			}
			b.WriteString(`"/>` + "\n")
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// maxPoints bounds the points of one line; a longer run is thinned.
const maxPoints = 800

// thin returns samples, or when there are more than maxPoints, the lowest
// and the highest (by get) of each run of consecutive samples, in time
// order: fewer points, the same envelope, every spike kept.
func thin(samples []Sample, get func(Sample) float64) []Sample {
	if len(samples) <= maxPoints {
		return samples
	}
	k := (len(samples) + maxPoints/2 - 1) / (maxPoints / 2)
	out := make([]Sample, 0, maxPoints)
	for i := 0; i < len(samples); i += k {
		bucket := samples[i:min(i+k, len(samples))]
		lo, hi := 0, 0
		for j, s := range bucket {
			if get(s) < get(bucket[lo]) {
				lo = j
			}
			if get(s) > get(bucket[hi]) {
				hi = j
			}
		}
		out = append(out, bucket[min(lo, hi)])
		if lo != hi {
			out = append(out, bucket[max(lo, hi)])
		}
	}
	return out
}

// niceTicks returns 0 and round steps (1, 2, 2.5 or 5 times a power of
// ten, about 6 of them) up to at least v.
func niceTicks(v float64) []float64 {
	raw := v / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for i := 0; i < 12; i++ {
		t := float64(i) * step
		out = append(out, t)
		if t >= v {
			break
		}
	}
	return out
}

// fmtTick prints a tick value without useless decimals.
func fmtTick(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%g", math.Round(v*100)/100)
}
