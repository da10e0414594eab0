# Common tasks. `make check` runs what CI runs.
GO ?= go
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 30s

.PHONY: run test check race bench bench-load bench-h2 browser-test fuzz cover image image-test

run: ## serve the embedded default site on :8080
	$(GO) run ./cmd/httpserver

test: ## the README's test command
	$(GO) test ./...

race:
	$(GO) test -race ./...

check: ## everything CI checks
	bash .ci/run

cover:
	$(GO) test -race -coverprofile=coverage.out -coverpkg=./,./router/,./static/,./nethttp/,./middleware/ ./...
	bash .ci/coverage-gate coverage.out

bench: ## micro-benchmarks of the core (parser, keep-alive and pipelined loopback, per engine)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 . ./router/ ./static/
	@echo "Load tests against net/http and fasthttp (wrk, idle connections): bench/run.sh, or make bench-load"

bench-load: ## wrk load test and idle-connection test against net/http and fasthttp (docs/benchmarks.md)
	bash bench/run.sh

bench-h2: ## h2load over TLS against each engine, net/http's HTTP/2 server and h2o (docs/benchmarks.md)
	bash bench/h2.sh

browser-test: ## the headless-Chromium tests of interop/ (h2 with the self-signed certificate, WebSocket); fail without chromium
	cd interop && HTTPSERVER_REQUIRE_BROWSER=1 $(GO) test -count=1 -run 'InChromium' -v .

fuzz: ## each fuzz target for FUZZTIME
	for target in $$($(GO) test -list '^Fuzz' . | grep ^Fuzz); do \
		$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

image: ## the container image httpserver:VERSION (Dockerfile; needs the golang:1.26-bookworm image)
	docker build --build-arg VERSION=$(VERSION) -t httpserver:$(VERSION) .

image-test: ## build the image and check it in docker (deploy/image-test.sh; installs docker.io, makes the builder base)
	bash deploy/image-test.sh
