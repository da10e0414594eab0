// Command routing shows the router package: path parameters, a catch-all,
// a group with its own middleware, a mounted sub-router, and a logging
// middleware that labels requests with the matched pattern.
//
//	go run ./examples/routing -addr :8080
//	curl -i localhost:8080/users/1
//	curl -i -X POST 'localhost:8080/users?name=Grace'
//	curl -i -X PATCH localhost:8080/users/1        # 405, Allow: GET, HEAD, DELETE, OPTIONS
//	curl -i localhost:8080/files/docs/a.txt
//	curl -i localhost:8080/users/                  # 308 to /users
//	curl -i --path-as-is localhost:8080/x/../users # 308 to /users
//	curl -i -H 'X-Token: secret' -X POST localhost:8080/admin/reset
//	curl -i localhost:8080/v2/ping
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/router"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()

	srv := &httpserver.Server{
		Addr:     *addr,
		Handler:  logRequests(newRouter(newStore())),
		Timeouts: httpserver.Timeouts{ReadHeader: 5 * time.Second},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stop()
		grace, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- srv.Shutdown(grace)
	}()

	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); !errors.Is(err, httpserver.ErrServerClosed) {
		log.Fatal(err)
	}
	if err := <-drained; err != nil {
		log.Fatalf("shutdown: %v", err)
	}
}

// newRouter wires the routes.
func newRouter(s *store) *router.Router {
	r := router.New()
	r.Get("/users", s.list)
	r.Post("/users", s.create)
	r.Get("/users/:id", s.show)
	r.Delete("/users/:id", s.remove)
	r.Get("/files/*path", func(w httpserver.ResponseWriter, req *httpserver.Request) {
		fmt.Fprintf(w, "would serve file %q\n", req.PathValue("path"))
	})
	r.Group("/admin", func(g *router.Router) {
		g.Use(requireToken("secret"))
		g.Post("/reset", func(w httpserver.ResponseWriter, req *httpserver.Request) {
			s.reset()
			w.WriteHeader(httpserver.StatusNoContent)
		})
	})

	v2 := router.New()
	v2.Get("/ping", func(w httpserver.ResponseWriter, req *httpserver.Request) {
		fmt.Fprintf(w, "pong from %s\n", req.Pattern) // "/v2/ping"
	})
	r.Mount("/v2", v2)
	return r
}

// logRequests logs each request with the route pattern that served it,
// which stays low-cardinality where the path would not.
func logRequests(next httpserver.Handler) httpserver.Handler {
	return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, req *httpserver.Request) {
		start := time.Now()
		next.ServeHTTP(w, req)
		pattern := req.Pattern
		if pattern == "" {
			pattern = "(none)"
		}
		log.Printf("%s %s pattern=%s in %v", req.Method, req.Path, pattern, time.Since(start))
	})
}

// requireToken answers 401 unless the X-Token field holds token.
func requireToken(token string) httpserver.Middleware {
	return func(next httpserver.Handler) httpserver.Handler {
		return httpserver.HandlerFunc(func(w httpserver.ResponseWriter, req *httpserver.Request) {
			if req.Header.Get("X-Token") != token {
				httpserver.Error(w, httpserver.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}

// store is an in-memory list of user names.
type store struct {
	mu    sync.Mutex
	next  int
	users map[int]string
}

func newStore() *store {
	return &store{next: 2, users: map[int]string{1: "Ada"}}
}

func (s *store) list(w httpserver.ResponseWriter, req *httpserver.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "%d %s\n", id, s.users[id])
	}
}

func (s *store) create(w httpserver.ResponseWriter, req *httpserver.Request) {
	// Request strings alias buffers the server reuses: copy what is kept.
	name := strings.Clone(req.Query().Get("name"))
	if name == "" {
		httpserver.Error(w, httpserver.StatusBadRequest)
		return
	}
	s.mu.Lock()
	id := s.next
	s.next++
	s.users[id] = name
	s.mu.Unlock()
	w.Header().Set("Location", "/users/"+strconv.Itoa(id))
	w.WriteHeader(httpserver.StatusCreated)
}

func (s *store) show(w httpserver.ResponseWriter, req *httpserver.Request) {
	id, err := strconv.Atoi(req.PathValue("id"))
	s.mu.Lock()
	name, ok := s.users[id]
	s.mu.Unlock()
	if err != nil || !ok {
		httpserver.Error(w, httpserver.StatusNotFound)
		return
	}
	fmt.Fprintf(w, "%d %s\n", id, name)
}

func (s *store) remove(w httpserver.ResponseWriter, req *httpserver.Request) {
	id, _ := strconv.Atoi(req.PathValue("id"))
	s.mu.Lock()
	delete(s.users, id)
	s.mu.Unlock()
	w.WriteHeader(httpserver.StatusNoContent)
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = map[int]string{}
}
