// Package middleware provides the standard middleware for httpserver
// handlers: request IDs, JSON access logs, panic recovery, CORS, rate
// limiting, response compression, per-route timeouts and body limits,
// security headers and Prometheus metrics.
//
// Every constructor returns an [httpserver.Middleware]; compose them with
// [httpserver.Chain], outermost first:
//
//	logs := middleware.NewAccessLog(middleware.AccessLogOptions{})
//	defer logs.Close()
//	m := middleware.NewMetrics(middleware.MetricsOptions{Path: "/metrics"})
//	h := httpserver.Chain(
//		middleware.RequestID(middleware.RequestIDOptions{}),
//		logs.Middleware,
//		m.Middleware,
//		middleware.Recover(middleware.RecoverOptions{}),
//		middleware.Compress(middleware.CompressOptions{}),
//	)(router)
//
// RequestID must come first: it gives the request a new context (and so a
// new *Request), and the access log and metrics must see the Request that
// reaches the router to read its Pattern. Writers that wrap the
// ResponseWriter implement Unwrap, so [httpserver.NewResponseController]
// still reaches Flush, Hijack, deadlines and trailers through them. See
// docs/middleware.md for the default pipeline and the measured costs.
package middleware
