package soak

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

func TestPlotSVG(t *testing.T) {
	mk := func(rss int64) []Sample {
		return series(2*time.Minute, func(time.Duration) Sample {
			return Sample{RSSKiB: rss, Goroutines: 50, FDs: 40}
		})
	}
	var b bytes.Buffer
	runs := []Labeled{{"epoll", mk(15000)}, {"goroutine", mk(16000)}}
	if err := PlotSVG(&b, "soak <test>", runs, 2*time.Minute, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML with a polyline per run and panel, each with a
	// point per sample.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	lines := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
			for _, a := range se.Attr {
				if a.Name.Local == "points" {
					if n := len(strings.Fields(a.Value)); n != 120 {
						t.Errorf("polyline of %d points, want 120", n)
					}
				}
			}
		}
	}
	if lines != 6 {
		t.Errorf("%d polylines, want 6 (2 runs x 3 panels)", lines)
	}
	for _, want := range []string{"soak &lt;test&gt;", "epoll", "goroutine", "end of warm-up (20s)", "resident memory (MiB)", "open descriptors"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if err := PlotSVG(io.Discard, "", nil, 0, 0); err == nil {
		t.Error("PlotSVG of nothing succeeded")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		last float64
		n    int
	}{
		{30, 30, 7},   // 0, 5, ..., 30
		{16.3, 20, 5}, // 0, 5, ..., 20
		{57, 60, 7},   // 0, 10, ..., 60
		{1, 1, 6},     // 0, 0.2, ..., 1
	} {
		got := niceTicks(tc.v)
		if len(got) != tc.n || got[len(got)-1] != tc.last || got[len(got)-1] < tc.v {
			t.Errorf("niceTicks(%v) = %v, want %d ticks up to %v", tc.v, got, tc.n, tc.last)
		}
	}
}

func TestThin(t *testing.T) {
	get := func(s Sample) float64 { return float64(s.RSSKiB) }
	short := series(time.Minute, func(time.Duration) Sample { return Sample{RSSKiB: 1} })
	if got := thin(short, get); len(got) != len(short) {
		t.Errorf("thin kept %d of %d samples under the bound", len(got), len(short))
	}
	// 1,800 samples with one spike: at most maxPoints points, in time
	// order, the spike and the lowest value kept.
	long := series(30*time.Minute, func(t time.Duration) Sample {
		v := int64(100 + int(t.Seconds())%10)
		if t == 1000*time.Second {
			v = 5000
		}
		return Sample{RSSKiB: v}
	})
	got := thin(long, get)
	if len(got) > maxPoints {
		t.Errorf("thin kept %d points, more than %d", len(got), maxPoints)
	}
	spike, low := false, false
	for i, s := range got {
		if i > 0 && s.T <= got[i-1].T {
			t.Fatalf("points out of order at %d", i)
		}
		spike = spike || s.RSSKiB == 5000
		low = low || s.RSSKiB == 100
	}
	if !spike || !low {
		t.Errorf("thin lost the spike (%v) or the lowest value (%v)", spike, low)
	}
}
