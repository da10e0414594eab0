module github.com/rawsock/httpserver

go 1.26.0

require (
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.48.0
)

require github.com/klauspost/compress v1.20.4
