#!/usr/bin/env bash
# Builds the real Dockerfile and checks the image it makes: /health answers
# 200, the HEALTHCHECK turns healthy, the server runs as a non-root user,
# the image's size, and that SIGTERM (docker stop) drains a request in
# flight and exits 0 within the grace period. Prints a PASS/FAIL summary and
# exits non-zero on any failure. Run as root: `make image-test`.
#
# No image registry is reachable from the machines this project runs on, so
# the script makes the builder base the Dockerfile names, golang:1.26-bookworm,
# when that tag is absent: `docker import` of a small root filesystem that
# holds busybox (Debian's busybox-static: /bin/sh and the usual commands),
# this machine's Go toolchain (`go env GOROOT`, as /usr/local/go) and its CA
# bundle. The Dockerfile itself stays the one users build against the
# official image. Modules are downloaded inside the build through the Go
# module proxy, which this machine reaches (the build runs with --network
# host, like every container here).
#
# If dockerd is not running, the script starts it without a bridge and
# without iptables rules (--bridge=none --iptables=false): every container
# here runs with --network host and is reached on 127.0.0.1, so nothing
# leaves the loopback interface. A dockerd the script started is stopped
# at the end, unless KEEP_DOCKERD=1.
#
# Environment: IMAGE (default httpserver:image-test), PORT (the port the
# container listens on, on the host's loopback; default: a free one),
# KEEP_DOCKERD=1, KEEP_IMAGE=1.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-httpserver:image-test}
BASE=golang:1.26-bookworm
NAME=httpserver-image-test-$$
started_dockerd=""
work=$(mktemp -d)
failures=0
declare -a summary=()

log() { printf '%s image-test: %s\n' "$(date +%T)" "$*" >&2; }
pass() { summary+=("PASS  $*"); log "PASS $*"; }
fail() { summary+=("FAIL  $*"); log "FAIL $*"; failures=$((failures + 1)); }

cleanup() {
	docker rm -f "$NAME" "$NAME-example" >/dev/null 2>&1 || true
	if [ -z "${KEEP_IMAGE:-}" ]; then
		docker rmi "$IMAGE" "$IMAGE-example" >/dev/null 2>&1 || true
		docker image prune -f >/dev/null 2>&1 || true # the build stages
	fi
	if [ -n "$started_dockerd" ] && [ -z "${KEEP_DOCKERD:-}" ]; then
		kill "$started_dockerd" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 0.2; done
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# ensure_docker installs docker.io (and curl) if needed and starts dockerd if
# it is not answering.
ensure_docker() {
	local missing=()
	command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 || missing+=(docker.io)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >"$work/apt.log" 2>&1; then
			cat "$work/apt.log" >&2
			echo "image-test: could not install ${missing[*]}" >&2
			exit 1
		fi
	fi
	if docker info >/dev/null 2>&1; then return; fi
	log "starting dockerd (no bridge, no iptables rules)"
	dockerd --bridge=none --iptables=false --ip6tables=false >"$work/dockerd.log" 2>&1 &
	started_dockerd=$!
	for _ in $(seq 1 100); do
		if docker info >/dev/null 2>&1; then return; fi
		if ! kill -0 "$started_dockerd" 2>/dev/null; then break; fi
		sleep 0.3
	done
	cat "$work/dockerd.log" >&2
	echo "image-test: dockerd did not start" >&2
	exit 1
}

# ensure_builder_base makes $BASE from this machine's Go toolchain when the
# tag is absent.
ensure_builder_base() {
	if docker image inspect "$BASE" >/dev/null 2>&1; then
		log "$BASE present"
		return
	fi
	local goroot gover root deb
	goroot=$(go env GOROOT)
	gover=$(go env GOVERSION)
	case $gover in
	go1.26*) ;;
	*) log "warning: this machine's Go is $gover, tagged as $BASE all the same" ;;
	esac
	log "making $BASE from $goroot ($gover), busybox-static and the CA bundle"
	root=$work/rootfs
	mkdir -p "$root"/{bin,etc/ssl/certs,tmp,root,go/bin,usr/local,src}
	chmod 1777 "$root/tmp"
	(cd "$work" && { apt-get download busybox-static >/dev/null 2>&1 ||
		{ apt-get update -qq && apt-get download busybox-static >/dev/null; }; })
	deb=$(ls "$work"/busybox-static_*.deb)
	dpkg-deb -x "$deb" "$work/bb"
	cp "$work/bb/bin/busybox" "$root/bin/busybox"
	for applet in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	if [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then
		apt-get install -y -qq ca-certificates >/dev/null
	fi
	cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	# The toolchain without its tests and docs: what `go build` needs.
	tar -C "$root" -cf "$work/base.tar" .
	tar -C "$(dirname "$goroot")" -rf "$work/base.tar" \
		--exclude="$(basename "$goroot")/test" --exclude="$(basename "$goroot")/doc" \
		--transform "s,^$(basename "$goroot"),usr/local/go," "$(basename "$goroot")"
	# The environment of the official image.
	docker import \
		--change 'ENV GOLANG_VERSION='"${gover#go}" \
		--change 'ENV GOTOOLCHAIN=local' \
		--change 'ENV GOPATH=/go' \
		--change 'ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'WORKDIR /go' \
		--change 'CMD ["/bin/sh"]' \
		"$work/base.tar" "$BASE" >/dev/null
	log "$BASE: $(docker image inspect -f '{{.Size}}' "$BASE" | awk '{printf "%.0f MB", $1/1e6}')"
}

# free_port prints a TCP port free on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# status prints the HTTP status of GET url, or 000.
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

ensure_docker
ensure_builder_base

version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
log "building $IMAGE (version $version)"
build_start=$SECONDS
if docker build --network host --build-arg VERSION="$version" -t "$IMAGE" . >"$work/build.log" 2>&1; then
	pass "docker build ($((SECONDS - build_start))s)"
else
	tail -40 "$work/build.log" >&2
	fail "docker build"
	printf '%s\n' "${summary[@]}"
	exit 1
fi

size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')
if [ "$size" -lt 20000000 ]; then
	pass "image size ${size_mb} MB (< 20 MB)"
else
	fail "image size ${size_mb} MB (>= 20 MB)"
fi

user=$(docker image inspect -f '{{.Config.User}}' "$IMAGE")
case $user in
"" | 0 | 0:* | root | root:*) fail "image user is root (Config.User=\"$user\")" ;;
*) pass "image user $user (Config.User)" ;;
esac

out=$(docker run --rm --network none "$IMAGE" --version 2>&1 || true)
if [ "$out" = "httpserver $version" ]; then
	pass "--version prints \"$out\""
else
	fail "--version printed \"$out\", want \"httpserver $version\""
fi

# The container runs as docker-compose.yml runs it: the configuration and
# static root of deploy/compose mounted read-only, a read-only root.
mounts=(-v "$PWD/deploy/compose/httpserver.yaml:/etc/httpserver/httpserver.yaml:ro"
	-v "$PWD/deploy/compose/public:/srv/www:ro")
config_args=(--config /etc/httpserver/httpserver.yaml)

if out=$(docker run --rm --network none --read-only "${mounts[@]}" "$IMAGE" --check-config "${config_args[@]}" 2>&1) &&
	grep -q '^root: /srv/www$' <<<"$out"; then
	pass "--check-config accepts deploy/compose/httpserver.yaml"
else
	fail "--check-config on deploy/compose/httpserver.yaml: $out"
fi

PORT=${PORT:-$(free_port)}
base_url=http://127.0.0.1:$PORT
# The HEALTHCHECK's interval is shortened for the test only; its command is
# the image's own. HTTPSERVER_ADDR moves the listener off :8080 (the host's
# network is shared) and the healthcheck follows it; HTTPSERVER_DEMO keeps
# /api/echo on next to the root, for the request in flight below. The file
# sets a 2s shutdown delay and a 15s shutdown timeout.
docker run -d --name "$NAME" --network host --read-only "${mounts[@]}" \
	-e HTTPSERVER_ADDR=127.0.0.1:$PORT -e HTTPSERVER_DEMO=true \
	--health-interval 1s --health-start-period 1s --health-timeout 3s \
	--stop-timeout 20 "$IMAGE" "${config_args[@]}" >/dev/null

code=000
for _ in $(seq 1 100); do
	code=$(status "$base_url/health")
	[ "$code" = 200 ] && break
	sleep 0.2
done
if [ "$code" = 200 ]; then
	pass "GET /health 200 ($(curl -s --max-time 5 "$base_url/health"))"
else
	docker logs "$NAME" >&2 || true
	fail "GET /health answered $code"
fi

if [ "$(curl -s --max-time 5 "$base_url/assets/site.css")" = "$(cat deploy/compose/public/assets/site.css)" ] &&
	curl -s --max-time 5 "$base_url/" | grep -q 'Served from deploy/compose/public'; then
	pass "serves the mounted static root (/, /assets/site.css)"
else
	fail "the mounted static root is not served"
fi

health=""
for _ in $(seq 1 60); do
	health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME" || true)
	[ "$health" = healthy ] && break
	sleep 0.5
done
if [ "$health" = healthy ]; then
	pass "HEALTHCHECK state healthy"
else
	docker inspect -f '{{json .State.Health}}' "$NAME" >&2 || true
	fail "HEALTHCHECK state \"$health\""
fi

# docker top prints the process's real user as seen from the host.
uid=$(docker top "$NAME" -eo pid,uid,comm 2>&1 | awk '$3 == "httpserver" { print $2 }' || true)
if [ -n "$uid" ] && [ "$uid" != 0 ]; then
	pass "server process runs as uid $uid (docker top)"
else
	docker top "$NAME" -eo pid,uid,user,comm >&2 || true
	fail "server process uid \"$uid\""
fi

# SIGTERM with a request in flight: the slow POST's chunked body ends about
# 4s after docker stop has sent SIGTERM, after the 2s shutdown delay, while
# the graceful shutdown waits for it; the response must still come, and the
# container must exit 0 long before docker stop's 20s would SIGKILL it.
inflight=$work/inflight.out
{ printf 'hello'; sleep 5; printf ' world'; } |
	curl -s --max-time 30 -H 'Expect:' -X POST -T - \
		-o "$inflight" -w '%{http_code}' "$base_url/api/echo" >"$work/inflight.code" 2>&1 &
curl_pid=$!
sleep 1
stop_start=$SECONDS
docker stop -t 20 "$NAME" >/dev/null
stop_secs=$((SECONDS - stop_start))
wait "$curl_pid" || true
exit_code=$(docker inspect -f '{{.State.ExitCode}}' "$NAME" || echo unknown)
if [ "$(cat "$work/inflight.code")" = 200 ] && grep -q '"body":"hello world"' "$inflight"; then
	pass "request in flight at SIGTERM answered 200"
else
	fail "request in flight at SIGTERM: $(cat "$work/inflight.code") $(head -c 200 "$inflight" 2>/dev/null)"
fi
if [ "$exit_code" = 0 ] && [ "$stop_secs" -lt 20 ]; then
	pass "docker stop: exit 0 after ${stop_secs}s (grace 20s)"
else
	fail "docker stop: exit $exit_code after ${stop_secs}s"
fi
if docker logs "$NAME" 2>&1 | grep -q '"msg":"draining'; then
	pass "log shows the --shutdown-delay drain"
else
	fail "no drain record in the log"
fi
docker logs "$NAME" >"$work/container.log" 2>&1 || true

# The compose file itself, where a compose client is installed.
if command -v docker-compose >/dev/null 2>&1; then
	if out=$(docker-compose -f docker-compose.yml config -q 2>&1); then
		pass "docker-compose config accepts docker-compose.yml"
	else
		fail "docker-compose config: $out"
	fi
elif docker compose version >/dev/null 2>&1; then
	if out=$(docker compose -f docker-compose.yml config -q 2>&1); then
		pass "docker compose config accepts docker-compose.yml"
	else
		fail "docker compose config: $out"
	fi
fi

# The compose file's second service: examples/middleware, target example.
example=$IMAGE-example
if docker build --network host --build-arg VERSION="$version" --target example -t "$example" . >"$work/build-example.log" 2>&1; then
	port2=$(free_port)
	docker run -d --name "$NAME-example" --network host --read-only -e HTTPSERVER_ADDR=127.0.0.1:$port2 \
		--health-interval 1s --health-start-period 1s --health-timeout 3s \
		"$example" -addr 127.0.0.1:$port2 >/dev/null
	health=""
	for _ in $(seq 1 60); do
		health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME-example" || true)
		[ "$health" = healthy ] && break
		sleep 0.5
	done
	code=$(status "http://127.0.0.1:$port2/api/items")
	if [ "$health" = healthy ] && [ "$code" = 200 ]; then
		pass "example target (examples/middleware): healthy, GET /api/items 200"
	else
		docker logs "$NAME-example" >&2 || true
		fail "example target: health \"$health\", GET /api/items $code"
	fi
	docker rm -f "$NAME-example" >/dev/null 2>&1 || true
else
	tail -20 "$work/build-example.log" >&2
	fail "docker build --target example"
fi

echo
echo "image-test summary ($IMAGE, ${size_mb} MB, ${SECONDS}s):"
printf '  %s\n' "${summary[@]}"
if [ "$failures" -gt 0 ]; then
	echo "image-test: $failures check(s) failed; container log:"
	cat "$work/container.log"
	exit 1
fi
echo "image-test: all checks passed"
