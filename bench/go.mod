module github.com/rawsock/httpserver/bench

go 1.26.0

replace github.com/rawsock/httpserver => ../

require (
	github.com/rawsock/httpserver v0.0.0-00010101000000-000000000000
	github.com/valyala/fasthttp v1.79.0
)

require (
	github.com/andybalholm/brotli v1.2.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
