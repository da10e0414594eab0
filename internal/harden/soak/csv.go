package soak

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader names the columns of a run's CSV: seconds since the traffic
// started, resident memory in KiB, goroutines (all, and those of the
// worker pool), open descriptors, open connections, and the operations
// done and failed so far.
var csvHeader = []string{"t_s", "rss_kib", "goroutines", "workers", "fds", "conns", "requests", "errors"}

func writeCSVHeader(w io.Writer) error {
	_, err := fmt.Fprintln(w, strings.Join(csvHeader, ","))
	return err
}

func writeCSVRow(w io.Writer, s Sample) error {
	_, err := fmt.Fprintf(w, "%.3f,%d,%d,%d,%d,%d,%d,%d\n", s.T.Seconds(), s.RSSKiB, s.Goroutines, s.Workers, s.FDs, s.Conns, s.Requests, s.Errors)
	return err
}

// WriteCSV writes samples as the run writes them: a header line, then one
// line per sample.
func WriteCSV(w io.Writer, samples []Sample) error {
	if err := writeCSVHeader(w); err != nil {
		return err
	}
	for _, s := range samples {
		if err := writeCSVRow(w, s); err != nil {
			return err
		}
	}
	return nil
}

// ReadCSV reads what WriteCSV (or a run's CSV writer) wrote.
func ReadCSV(r io.Reader) ([]Sample, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) != len(csvHeader) || recs[0][0] != csvHeader[0] {
		return nil, fmt.Errorf("soak: CSV header is not %v", csvHeader)
	}
	out := make([]Sample, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		var v [8]float64
		for j, f := range rec {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("soak: CSV line %d, column %s: %q", i+2, csvHeader[j], f)
			}
			v[j] = x
		}
		out = append(out, Sample{
			T:      time.Duration(v[0] * float64(time.Second)),
			RSSKiB: int64(v[1]), Goroutines: int(v[2]), Workers: int(v[3]),
			FDs: int(v[4]), Conns: int(v[5]), Requests: int64(v[6]), Errors: int64(v[7]),
		})
	}
	return out, nil
}
