package middleware

import (
	"os"
	"sync"
)

// LogFile is a file that log lines are appended to and that can be
// reopened under its name, for log rotation: logrotate (or an operator)
// renames the file, then asks the program to call [LogFile.Reopen] (the
// httpserver binary does on SIGUSR1); lines written before the call go to
// the renamed file, lines written after to a new file under the old name.
// It is safe for concurrent use. Give it to [AccessLogOptions].File.
type LogFile struct {
	path string
	mu   sync.Mutex
	f    *os.File // nil once closed
}

// logFileMode is the permission of a log file created by OpenLogFile
// (before the umask).
const logFileMode = 0o644

// OpenLogFile opens path for appending, creating it if needed.
func OpenLogFile(path string) (*LogFile, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &LogFile{path: path, f: f}, nil
}

func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, logFileMode)
}

// Write appends p to the file; it fails with os.ErrClosed after Close.
func (l *LogFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	return l.f.Write(p)
}

// Reopen opens the file's path afresh and writes there from now on. If
// the path cannot be opened, writing goes on to the current file and the
// error is returned.
func (l *LogFile) Reopen() error {
	f, err := openAppend(l.path)
	if err != nil {
		return err
	}
	l.mu.Lock()
	old := l.f
	if old == nil { // closed meanwhile
		l.mu.Unlock()
		f.Close()
		return os.ErrClosed
	}
	l.f = f
	l.mu.Unlock()
	return old.Close()
}

// Close closes the file; later writes fail.
func (l *LogFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return os.ErrClosed
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Name returns the path the file was opened with.
func (l *LogFile) Name() string { return l.path }
