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
. ./lib.sh
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
			wait_port 9301 || true
			line=$(bin/wsidle -addr 127.0.0.1:9301 -pid "$pid" -n "$N" -deflate="$deflate") || line="conns=$N base_kib=0 after_kib=0 per_conn_bytes=failed"
			stop_server "$pid"
			printf '%s\t%s\t%s\t%s\n' "httpserver-$engine" "$api" "$deflate" \
				"$(kv_values "$line" conns base_kib after_kib per_conn_bytes after_gc_kib per_conn_bytes_gc)"
			sleep 1
		done
	done
done
