package soak

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
)

func TestReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{checkErr("status %d (want %d)", 503, 200), "status 503"},
		{checkErr("length %d (want %d)", 1, 2), "length 1"},
		{checkErr("echo body_length (want %d)", 3), "echo body_length"},
		{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), "timeout"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "reset"},
		{syscall.ECONNREFUSED, "refused"},
		{syscall.EPIPE, "broken pipe"},
		{io.ErrUnexpectedEOF, "eof"},
		{errors.New("odd"), "other"},
	} {
		if got := reason(tc.err); got != tc.want {
			t.Errorf("reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestStats(t *testing.T) {
	s := newStats()
	s.done("echo")
	s.done("echo")
	s.fail("ws", io.EOF)
	by, errs, ex := s.snapshot()
	if by["echo"] != 2 || errs["ws: eof"] != 1 || len(ex) != 1 || s.requests.Load() != 2 || s.errs.Load() != 1 {
		t.Errorf("byKind %v, errors %v, examples %v", by, errs, ex)
	}
}

func TestReasonWrapped(t *testing.T) {
	err := fmt.Errorf("%w (the head took 11s)", checkErr("status %d (want %d)", 408, 200))
	if got := reason(err); got != "status 408" {
		t.Errorf("reason(%v) = %q", err, got)
	}
}
