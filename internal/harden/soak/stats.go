package soak

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// stats counts the requests done and the errors met by each kind of
// client. Safe for concurrent use.
type stats struct {
	requests atomic.Int64
	errs     atomic.Int64

	mu       sync.Mutex
	byKind   map[string]int64 // requests done per client kind
	errKinds map[string]int64 // "kind: reason" -> count
	examples []string         // the first few errors as met

	// onExample, when set, is told each error kept as an example, when
	// it happens.
	onExample func(msg string)
}

func newStats() *stats {
	return &stats{byKind: make(map[string]int64), errKinds: make(map[string]int64)}
}

// maxExamples bounds the error messages kept whole.
const maxExamples = 20

// done counts one request (or WebSocket message) of a kind.
func (s *stats) done(kind string) {
	s.requests.Add(1)
	s.mu.Lock()
	s.byKind[kind]++
	s.mu.Unlock()
}

// fail counts one error of a kind, by its reason.
func (s *stats) fail(kind string, err error) {
	s.errs.Add(1)
	key := kind + ": " + reason(err)
	s.mu.Lock()
	s.errKinds[key]++
	var msg string
	if len(s.examples) < maxExamples {
		msg = kind + ": " + err.Error()
		s.examples = append(s.examples, msg)
	}
	s.mu.Unlock()
	if msg != "" && s.onExample != nil {
		s.onExample(msg)
	}
}

// snapshot copies the per-kind counters.
func (s *stats) snapshot() (byKind, errKinds map[string]int64, examples []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byKind = make(map[string]int64, len(s.byKind))
	for k, v := range s.byKind {
		byKind[k] = v
	}
	errKinds = make(map[string]int64, len(s.errKinds))
	for k, v := range s.errKinds {
		errKinds[k] = v
	}
	return byKind, errKinds, slices.Clone(s.examples)
}

// errCheck is a response that arrived whole but was not the one expected
// (status, length, content).
type errCheck struct{ what string }

func (e *errCheck) Error() string { return e.what }

func checkErr(format string, args ...any) error {
	return &errCheck{fmt.Sprintf(format, args...)}
}

// reason names the kind of an error in a few words, for counting.
func reason(err error) string {
	var ce *errCheck
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		// "status 503" or "length": the words before the first digit
		// or colon keep the count keys few.
		if i := strings.IndexAny(ce.what, ":("); i > 0 {
			return strings.TrimSpace(ce.what[:i])
		}
		return ce.what
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	}
	return "other"
}
