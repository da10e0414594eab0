package soak

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCSVRoundTrip(t *testing.T) {
	in := []Sample{
		{T: time.Second, RSSKiB: 15000, Goroutines: 50, Workers: 30, FDs: 40, Conns: 25, Requests: 900, Errors: 0},
		{T: 2001 * time.Millisecond, RSSKiB: 15100, Goroutines: 52, Workers: 31, FDs: 41, Conns: 26, Requests: 1850, Errors: 1},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, in); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "t_s,rss_kib,goroutines,workers,fds,conns,requests,errors\n1.000,15000,50,30,40,25,900,0\n") {
		t.Errorf("CSV:\n%s", b.String())
	}
	out, err := ReadCSV(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in, out) {
		t.Errorf("read back %+v, want %+v", out, in)
	}
}

func TestReadCSVRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"a,b\n1,2\n",
		"t_s,rss_kib,goroutines,workers,fds,conns,requests,errors\n1,x,3,4,5,6,7,8\n",
	} {
		if _, err := ReadCSV(strings.NewReader(in)); err == nil {
			t.Errorf("ReadCSV(%q) succeeded", in)
		}
	}
}
