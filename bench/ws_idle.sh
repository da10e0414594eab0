#!/usr/bin/env bash
# Idle WebSockets: what each one costs the server in resident memory,
# for the event API (AcceptEvents) and the blocking API (Accept and a
# Read loop) of this project's websocket package, with and without
# permessage-deflate negotiated, in the same run. wsserver serves an echo
# at /ws; wsidle opens N WebSockets, sends one message on each, checks
# the echo and reads the server's RSS, as it is and again after the
# server collected its garbage (per_conn_bytes_gc: see cmd/wsserver).
#
#   bench/ws_idle.sh                 # N=10000, epoll engine
#   N=2000 ENGINES="epoll goroutine" APIS=events DEFLATE=false bench/ws_idle.sh
set -euo pipefail
cd "$(dirname "$0")"
N=${N:-10000}
ENGINES=${ENGINES:-epoll}
APIS=${APIS:-events blocking}
DEFLATE=${DEFLATE:-false true}
mkdir -p bin
go build -o bin/ ./cmd/wsserver ./cmd/wsidle
printf "server\tapi\tdeflate\tconns\tbase_kib\tafter_kib\tper_conn_bytes\tafter_gc_kib\tper_conn_bytes_gc\n"
for engine in $ENGINES; do
	for api in $APIS; do
		for deflate in $DEFLATE; do
			bin/wsserver -engine "$engine" -api "$api" -addr 127.0.0.1:9301 2>/dev/null &
			pid=$!
			for _ in $(seq 100); do
				(exec 3<>/dev/tcp/127.0.0.1/9301) 2>/dev/null && break
				sleep 0.1
			done
			line=$(bin/wsidle -addr 127.0.0.1:9301 -pid "$pid" -n "$N" -deflate="$deflate") || line="conns=$N base_kib=0 after_kib=0 per_conn_bytes=failed"
			kill -TERM "$pid"
			wait "$pid" || true
			echo "$line" | awk -v s="httpserver-$engine" -v a="$api" -v d="$deflate" '{
				for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, a, d, v["conns"], v["base_kib"], v["after_kib"], v["per_conn_bytes"], v["after_gc_kib"], v["per_conn_bytes_gc"] }'
			sleep 1
		done
	done
done
