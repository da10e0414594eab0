# The httpserver binary on scratch: a static binary, a CA bundle, an
# /etc/passwd entry for the non-root user it runs as, nothing else.
#
#   docker build --build-arg VERSION=v1.2.3 -t httpserver .
#   docker run --rm -p 8080:8080 httpserver
#   docker run --rm -p 8080:8080 -v "$PWD/public:/srv:ro" httpserver --root /srv
#
# The target "example" is examples/middleware, an API server built on the
# library (docker-compose.yml runs both). deploy/image-test.sh builds this
# file and checks the image.

ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
WORKDIR /src
# Modules first, so that a change of source keeps this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# One go build for both binaries: the packages they share compile once.
# -X main.version stamps --version, /health and the start-up log line.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/ ./cmd/httpserver ./examples/middleware \
 && mkdir -p /out/etc \
 && echo 'nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin' > /out/etc/passwd \
 && echo 'nonroot:x:65532:' > /out/etc/group

# examples/middleware; the httpserver binary comes along for its healthcheck.
FROM scratch AS example
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/etc/passwd /out/etc/group /etc/
COPY --from=build /out/middleware /example
COPY --from=build /out/httpserver /httpserver
USER 65532:65532
EXPOSE 8080
# /health of the example on 127.0.0.1:8080, or on the port of HTTPSERVER_ADDR.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
        CMD ["/httpserver", "healthcheck"]
ENTRYPOINT ["/example"]
CMD ["-addr", ":8080"]

# The default target: the httpserver binary, listening on :8080.
FROM scratch AS httpserver
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/etc/passwd /out/etc/group /etc/
COPY --from=build /out/httpserver /httpserver
USER 65532:65532
EXPOSE 8080
# The binary checks itself: scratch has no curl. Without a URL it asks
# 127.0.0.1 on the port of HTTPSERVER_ADDR (default 8080).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
        CMD ["/httpserver", "healthcheck"]
ENTRYPOINT ["/httpserver"]
