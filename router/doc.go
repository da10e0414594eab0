// Package router is a radix-tree request router for httpserver: routes by
// method and path, with named parameters, catch-alls, middleware, groups
// and mounts.
//
//	r := router.New()
//	r.Get("/users/:id", func(w httpserver.ResponseWriter, req *httpserver.Request) {
//		w.WriteString("user " + req.PathValue("id") + "\n")
//	})
//	r.Get("/static/*path", serveFile) // req.PathValue("path"): "css/a.css", or ""
//	r.Get("/orgs/{org}/files/{file...}", showFile) // chi/Go 1.22 syntax: same as :org, *file
//	r.Group("/admin", func(g *router.Router) {
//		g.Use(requireAdmin)
//		g.Post("/reindex", reindex)
//	})
//	srv := &httpserver.Server{Addr: ":8080", Handler: r}
//
// Matching allocates nothing. The router answers by itself: 404 when no
// route matches the path, 405 with an Allow field when routes match it for
// other methods only, HEAD with the GET route, OPTIONS with 204 and Allow,
// "OPTIONS *" with every method it knows, 308 redirects to the clean path
// ("//a/./b/../c" to "/a/c") for GET and HEAD, and to the other form of a
// trailing slash (see [TrailingSlash]). Paths with an encoded slash ("%2F")
// match no route; paths with NUL or broken escapes get 400.
//
// Mistakes panic at registration, naming the routes involved: a malformed
// pattern, "{" or "}" that do not enclose a whole segment, conflicting
// routes (TryHandle and TryMount return these as errors instead), and Use
// after routes were registered, which the middleware would not reach.
//
// The matched pattern is left in Request.Pattern, for logs and metrics.
// See docs/routing.md for the full rules.
package router
