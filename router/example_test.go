package router_test

import (
	"fmt"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/httpservertest"
	"github.com/rawsock/httpserver/router"
)

func Example() {
	r := router.New()
	r.Get("/users/:id", func(w httpserver.ResponseWriter, req *httpserver.Request) {
		fmt.Fprintf(w, "user %s via %s", req.PathValue("id"), req.Pattern)
	})
	r.Get("/static/*path", func(w httpserver.ResponseWriter, req *httpserver.Request) {
		fmt.Fprintf(w, "file %q", req.PathValue("path"))
	})

	for _, target := range []string{"/users/7", "/static/css/site.css", "/users/7/", "/a/../users/7"} {
		w := httpservertest.NewRecorder()
		r.ServeHTTP(w, httpservertest.NewRequest("GET", target, nil))
		code, hdr, body := w.Result()
		if loc := hdr.Get("Location"); loc != "" {
			body = "-> " + loc
		}
		fmt.Println(code, body)
	}

	w := httpservertest.NewRecorder()
	r.ServeHTTP(w, httpservertest.NewRequest("DELETE", "/users/7", nil))
	fmt.Println(w.Code, w.HeaderMap.Get("Allow"))
	// Output:
	// 200 user 7 via /users/:id
	// 200 file "css/site.css"
	// 308 -> /users/7
	// 308 -> /users/7
	// 405 GET, HEAD, OPTIONS
}

func ExampleRouter_Group() {
	r := router.New()
	requireAuth := func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, req *httpserver.Request) {
			if req.Header.Get("Authorization") == "" {
				httpserver.Error(w, httpserver.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, req)
		})
	}
	r.Group("/admin", func(g *router.Router) {
		g.Use(requireAuth)
		g.Post("/reindex", func(w httpserver.ResponseWriter, req *httpserver.Request) {
			w.WriteHeader(httpserver.StatusAccepted)
		})
	})
	w := httpservertest.NewRecorder()
	r.ServeHTTP(w, httpservertest.NewRequest("POST", "/admin/reindex", nil))
	fmt.Println(w.Code)
	// Output: 401
}

func ExampleRouter_Mount() {
	api := router.New()
	api.Get("/items/:id", func(w httpserver.ResponseWriter, req *httpserver.Request) {
		fmt.Fprintf(w, "path %s, pattern %s", req.Path, req.Pattern)
	})
	r := router.New()
	r.Mount("/api/v1", api)

	w := httpservertest.NewRecorder()
	r.ServeHTTP(w, httpservertest.NewRequest("GET", "/api/v1/items/3", nil))
	fmt.Println(w.Body.String())
	// Output: path /items/3, pattern /api/v1/items/:id
}
