package harness

import (
	"log"
	"os"
	"runtime/pprof"
)

// StartCPUProfile starts a CPU profile written to path and returns the
// function that ends it; with path "" it does nothing. It exits the
// process if the profile cannot start.
func StartCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
