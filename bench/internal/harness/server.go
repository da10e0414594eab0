package harness

import (
	"fmt"
	"log"
	"net"
	"os"
)

// Server describes one run of a benchmark server command; Run carries
// it out.
type Server struct {
	// Name is the command's name, which starts the line Run prints.
	Name string
	// Impl names the implementation served, for the same line.
	Impl string
	// Addr is the TCP address to listen on.
	Addr string
	// CPUProfile, if not empty, is the file the CPU profile of the whole
	// run is written to.
	CPUProfile string
	// Start serves on ln and returns the function that stops the server.
	Start func(ln net.Listener) (stop func())
	// BeforeStop, if not nil, runs once the stop signal has come, before
	// the server is stopped.
	BeforeStop func()
}

// Run listens on s.Addr, starts the CPU profile, starts the server and
// prints "NAME: IMPL on ADDR (pid PID)" to stderr; then, at SIGINT or
// SIGTERM, it runs BeforeStop, stops the server and ends the profile.
// It exits the process if it cannot listen or profile.
func (s Server) Run() {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		log.Fatal(err)
	}
	stopProfile := StartCPUProfile(s.CPUProfile)
	defer stopProfile()
	stopped := NotifyStop()
	stop := s.Start(ln)
	fmt.Fprintf(os.Stderr, "%s: %s on %s (pid %d)\n", s.Name, s.Impl, ln.Addr(), os.Getpid())
	<-stopped
	if s.BeforeStop != nil {
		s.BeforeStop()
	}
	stop()
}
