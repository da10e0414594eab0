package accept

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
)

func TestQValue(t *testing.T) {
	tests := []struct {
		in string
		q  int
		ok bool
	}{
		{"1", 1000, true}, {"1.", 1000, true}, {"1.000", 1000, true}, {"0", 0, true},
		{"0.5", 500, true}, {"0.05", 50, true}, {"0.005", 5, true}, {"0.999", 999, true},
		{"1.001", 0, false}, {"1.5", 0, false}, {"2", 0, false}, {"0.1234", 0, false}, {"", 0, false},
		{".5", 0, false}, {"0,5", 0, false}, {"0.a", 0, false},
	}
	for _, tt := range tests {
		q, ok := QValue(tt.in)
		if q != tt.q || ok != tt.ok {
			t.Errorf("QValue(%q) = %d, %v; want %d, %v", tt.in, q, ok, tt.q, tt.ok)
		}
	}
}

func TestElements(t *testing.T) {
	var h httpserver.Header
	h.Add("Accept-Encoding", " gzip;q=0.5 , br ;level=1; Q = 0 ,, deflate;q=x, *;q=0.1")
	h.Add("Other", "zstd")
	h.Add("accept-encoding", "zstd")
	var got []string
	present := Elements(&h, "Accept-Encoding", func(v string, q int) { got = append(got, fmt.Sprintf("%s=%d", v, q)) })
	want := "gzip=500 br=0 *=100 zstd=1000"
	if !present || strings.Join(got, " ") != want {
		t.Fatalf("got %v (present %v), want %s", got, present, want)
	}
	if Elements(&h, "Accept-Language", func(string, int) { t.Fatal("called") }) {
		t.Fatal("absent field reported present")
	}
	if q, ok := Weight(""); q != 1000 || !ok {
		t.Fatal("no parameters must weigh 1000")
	}
}
