package harness

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
)

// command is the running command's name (idleconns, wsidle, ...).
func command() string { return filepath.Base(os.Args[0]) }

// fatalf logs "COMMAND: message" and exits with status 1.
func fatalf(format string, args ...any) {
	log.Fatalf("%s: %s", command(), fmt.Sprintf(format, args...))
}
