package harness

import (
	"context"
	"time"
)

// ShutdownTimeout bounds how long a benchmark server takes to stop.
const ShutdownTimeout = 2 * time.Second

// Shutdown calls each shutdown function in turn with one context that
// ends ShutdownTimeout from now, ignoring their errors (the benchmark is
// over).
func Shutdown(shutdowns ...func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	for _, shutdown := range shutdowns {
		shutdown(ctx)
	}
}
