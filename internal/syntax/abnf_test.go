package syntax

import (
	"strconv"
	"testing"
)

func TestIsDigit(t *testing.T) {
	for c := 0; c < 256; c++ {
		_, err := strconv.Atoi(string(rune(c)))
		if want := err == nil && c < 0x80; IsDigit(byte(c)) != want {
			t.Errorf("IsDigit(%#x) = %v, want %v", c, !want, want)
		}
	}
}

func TestUnhexAndIsHexDigit(t *testing.T) {
	for c := 0; c < 256; c++ {
		n, err := strconv.ParseUint(string(rune(c)), 16, 8)
		want := err == nil && c < 0x80
		v, ok := Unhex(byte(c))
		if ok != want || ok && uint64(v) != n {
			t.Errorf("Unhex(%#x) = %d, %v; want %d, %v", c, v, ok, n, want)
		}
		if IsHexDigit(byte(c)) != want {
			t.Errorf("IsHexDigit(%#x) = %v, want %v", c, !want, want)
		}
	}
}
