// Package demo holds the built-in endpoints of the httpserver binary: a
// health check at /health and a readiness check at /health/ready (both
// always on), a welcome page at /, an echo endpoint at /api/echo and a
// WebSocket echo at /api/ws (all three only in demo mode), and the dispatch to directories served at / or
// under URL prefixes.
//
//	h := demo.Handler(demo.Options{Version: "v1.0.0", Demo: true})
//	srv := &httpserver.Server{Addr: ":8080", Handler: h}
//
// Dispatch is a fixed switch, checked in this order: /health and
// /health/ready; /api/ws and /api/echo and /api/echo/... (demo mode); "OPTIONS *"; the
// mounts, longest prefix first; the root handler; the welcome page at /
// (demo mode); 404.
package demo
