package middleware

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
)

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLogFileReopen plays logrotate: rename the file, reopen, and the
// next lines land in a new file under the old name.
func TestLogFileReopen(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "access.log")
	os.WriteFile(name, []byte("kept\n"), 0o644)
	f, err := OpenLogFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("one\n"))
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("two\n")) // still the renamed file
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("three\n"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, name+".1"); got != "kept\none\ntwo\n" {
		t.Errorf("rotated file %q", got)
	}
	if got := readFile(t, name); got != "three\n" {
		t.Errorf("new file %q", got)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v", err)
	}
	if err := f.Reopen(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Reopen after Close = %v", err)
	}
}

func TestLogFileReopenFailureKeepsWriting(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "sub", "access.log")
	os.Mkdir(filepath.Dir(name), 0o755)
	f, err := OpenLogFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	os.Rename(filepath.Dir(name), filepath.Join(dir, "moved"))
	if err := f.Reopen(); err == nil {
		t.Fatal("Reopen succeeded without its directory")
	}
	if _, err := f.Write([]byte("still\n")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "moved", "access.log")); got != "still\n" {
		t.Errorf("old file %q", got)
	}
	if _, err := OpenLogFile(filepath.Join(dir, "missing", "x.log")); err == nil {
		t.Error("OpenLogFile in a missing directory succeeded")
	}
}

// TestAccessLogFileReopen: an access log writing to a LogFile follows it
// through a rotation, in both formats, and Close closes the file.
func TestAccessLogFileReopen(t *testing.T) {
	for _, format := range []AccessLogFormat{AccessLogJSON, AccessLogCombined} {
		t.Run(string(format), func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "access.log")
			f, err := OpenLogFile(name)
			if err != nil {
				t.Fatal(err)
			}
			logs := NewAccessLog(AccessLogOptions{Format: format, File: f})
			h := logs.Middleware(httpserver.HandlerFunc(ok))
			h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/before", nil))
			flushLog(t, logs)
			os.Rename(name, name+".1")
			if err := logs.Reopen(); err != nil {
				t.Fatal(err)
			}
			h.ServeHTTP(httpservertest.NewRecorder(), httpservertest.NewRequest("GET", "/after", nil))
			if err := logs.Close(); err != nil {
				t.Fatal(err)
			}
			old, cur := readFile(t, name+".1"), readFile(t, name)
			if strings.Count(old, "\n") != 1 || !strings.Contains(old, "/before") ||
				strings.Count(cur, "\n") != 1 || !strings.Contains(cur, "/after") {
				t.Errorf("rotated file %q, new file %q", old, cur)
			}
			if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
				t.Errorf("file still open after Close: %v", err)
			}
		})
	}
	var nilLog *AccessLog
	if err := nilLog.Reopen(); err != nil {
		t.Errorf("Reopen on a nil AccessLog: %v", err)
	}
}
