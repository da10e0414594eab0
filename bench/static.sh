#!/usr/bin/env bash
# Small static file: the binary serving --root (goroutine and epoll
# engines, its default middleware on) against nginx (one worker, sendfile,
# keepalive_requests raised so wrk never has to reconnect) and net/http's
# http.FileServer, a 13-byte file, wrk -t$THREADS -c64, servers
# interleaved, ROUNDS rounds, in two variants:
#
#   logs=off  access log off on both sides (nginx access_log off,
#             the binary --access-log=false)
#   logs=on   access log on both sides, to a file: nginx's default
#             combined log, the binary's default JSON log
#             (--access-log-file); http.FileServer has none
#
#   bash bench/static.sh                 # both variants, 3 rounds x 5 s
#   LOGS=off ROUNDS=5 bash bench/static.sh
#
# Prints, per run, requests per server CPU-second (utime+stime from
# /proc/PID/stat before and after), req/s, p99 and the 1-minute load
# average; then the medians and the ratio to nginx of the same round
# (median, lowest-highest). Installs nginx-light and wrk from Debian's
# packages when missing. All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-1}
LOGS=${LOGS:-"off on"}
if ! command -v wrk >/dev/null || ! [ -x /usr/sbin/nginx ]; then
	apt-get update -qq && apt-get install -y -qq wrk nginx-light >/dev/null
fi
work=$(mktemp -d)
cleanup() {
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" "$work/fs"
printf 'Hello, World!' >"$work/www/hello.txt"
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

# nginx_conf LOGS: one worker, sendfile, keep-alive for the whole run.
nginx_conf() {
	local log="access_log off;"
	[ "$1" = on ] && log="access_log $work/nginx-access.log combined;"
	cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
master_process off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  $log
  sendfile on;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  server { listen 127.0.0.1:18190; root $work/www; }
}
CONF
}

printf 'logs\tround\tserver\treq_per_cpu_s\treq_per_s\tp99\tload1\n' >"$work/raw.tsv"
printf 'logs\tround\tserver\treq per CPU-second\treq/s\tp99\tload1\n'
for logs in $LOGS; do
	nginx_conf "$logs"
	binlog=(--access-log=false)
	[ "$logs" = on ] && binlog=(--access-log-file "$work/binary-access-%s.log")
	# master_process off: the one nginx process is the worker we measure.
	/usr/sbin/nginx -c "$work/nginx.conf" >/dev/null 2>&1 &
	declare -A PID=([nginx]=$!)
	"$work/fileserver" "$work/www" >/dev/null 2>&1 &
	PID[fileserver]=$!
	"$work/httpserver" --addr 127.0.0.1:18192 --root "$work/www" --log-level warn \
		"${binlog[@]/\%s/goroutine}" >/dev/null 2>&1 &
	PID[httpserver-goroutine]=$!
	"$work/httpserver" --addr 127.0.0.1:18193 --root "$work/www" --log-level warn --engine epoll \
		"${binlog[@]/\%s/epoll}" >/dev/null 2>&1 &
	PID[httpserver-epoll]=$!
	PIDS=("${PID[@]}")
	declare -A PORT=([nginx]=18190 [fileserver]=18191 [httpserver-goroutine]=18192 [httpserver-epoll]=18193)
	sleep 1
	for s in "${!PORT[@]}"; do wrk_warm_up "$THREADS" "http://127.0.0.1:${PORT[$s]}/hello.txt"; done
	servers=(nginx fileserver httpserver-goroutine httpserver-epoll)
	for round in $(seq "$ROUNDS"); do
		for k in "${!servers[@]}"; do
			s=${servers[$(((k + round) % ${#servers[@]}))]}
			c0=$(cpu_ticks "${PID[$s]}")
			out=$(wrk -t"$THREADS" -c64 -d"$DURATION" --latency "http://127.0.0.1:${PORT[$s]}/hello.txt")
			c1=$(cpu_ticks "${PID[$s]}")
			rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
			n=$(awk '/requests in/ {print $1}' <<<"$out")
			p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
			per=$(per_cpu_second "$n" "$c0" "$c1")
			load=$(load1)
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$logs" "$round" "$s" "$per" "$rps" "$p99" "$load" | tee -a "$work/raw.tsv"
		done
	done
	stop_all
done

echo
echo "medians (requests per server CPU-second; ratio to nginx of the same round: median, lowest-highest)"
awk -F'\t' 'NR > 1 { v[$1 SUBSEP $3 SUBSEP $2] = $4; servers[$3]; logs[$1]; rounds[$2] }
function med(a, n,   i, j, t) { # sort a[1..n] in place, return the median
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
END {
	for (l in logs) for (s in servers) {
		n = 0; m = 0
		for (r in rounds) if ((l SUBSEP s SUBSEP r) in v) {
			x[++n] = v[l SUBSEP s SUBSEP r]
			if (v[l SUBSEP "nginx" SUBSEP r] > 0) y[++m] = v[l SUBSEP s SUBSEP r] / v[l SUBSEP "nginx" SUBSEP r]
		}
		if (n == 0) continue
		lo = hi = y[1]; for (i = 2; i <= m; i++) { if (y[i] < lo) lo = y[i]; if (y[i] > hi) hi = y[i] }
		printf "logs=%s\t%-22s\t%.0f\t%.2fx (%.2f-%.2f)\n", l, s, med(x, n), med(y, m), lo, hi
	}
}' "$work/raw.tsv" | sort
