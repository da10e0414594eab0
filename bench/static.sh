#!/usr/bin/env bash
# Small static file: the binary serving --root (goroutine and epoll
# engines, its default middleware on, access log off) against nginx (one
# worker, sendfile, no access log) and net/http's http.FileServer, a
# 13-byte file, wrk -t1 -c64, servers interleaved, ROUNDS rounds. Prints
# requests/s and requests per server CPU-second (from /proc/PID/stat).
# Installs nginx-light and wrk from Debian's packages when missing. All
# traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
for pkg in wrk nginx; do
	if ! command -v "$pkg" >/dev/null && ! [ -x /usr/sbin/nginx ]; then
		apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
	fi
done
work=$(mktemp -d)
trap 'pkill -f "$work/" 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www" "$work/fs"
printf 'Hello, World!' >"$work/www/hello.txt"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  server { listen 127.0.0.1:18190; root $work/www; }
}
CONF
cat >"$work/fs/main.go" <<'GO'
package main

import (
	"net/http"
	"os"
)

func main() { http.ListenAndServe("127.0.0.1:18191", http.FileServer(http.Dir(os.Args[1]))) }
GO
printf 'module fs\ngo 1.26\n' >"$work/fs/go.mod"
(cd "$work/fs" && go build -o "$work/fileserver" .)
(cd .. && go build -o "$work/httpserver" ./cmd/httpserver)

/usr/sbin/nginx -c "$work/nginx.conf" >/dev/null 2>&1 &
"$work/fileserver" "$work/www" >/dev/null 2>&1 &
"$work/httpserver" --addr 127.0.0.1:18192 --root "$work/www" --log-level warn --access-log=false >/dev/null 2>&1 &
"$work/httpserver" --addr 127.0.0.1:18193 --root "$work/www" --log-level warn --access-log=false --engine epoll >/dev/null 2>&1 &
sleep 1
declare -A PID PORT=([nginx]=18190 [fileserver]=18191 [httpserver-goroutine]=18192 [httpserver-epoll]=18193)
PID[nginx]=$(pgrep -f "nginx: worker" | head -1)
PID[fileserver]=$(pgrep -f "$work/fileserver" | head -1)
PID[httpserver-goroutine]=$(pgrep -f "127.0.0.1:18192" | head -1)
PID[httpserver-epoll]=$(pgrep -f "127.0.0.1:18193" | head -1)
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
printf 'round\tserver\treq/s\treq per CPU-second\n'
for round in $(seq "$ROUNDS"); do
	for s in nginx fileserver httpserver-goroutine httpserver-epoll; do
		c0=$(cpu "${PID[$s]}")
		out=$(wrk -t1 -c64 -d"$DURATION" "http://127.0.0.1:${PORT[$s]}/hello.txt")
		c1=$(cpu "${PID[$s]}")
		rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
		n=$(awk '/requests in/ {print $1}' <<<"$out")
		printf '%s\t%s\t%s\t%s\n' "$round" "$s" "$rps" "$(awk -v n="$n" -v c=$((c1 - c0)) -v t="$tck" 'BEGIN { printf "%.0f", n / (c / t) }')"
	done
done
