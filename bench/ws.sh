#!/usr/bin/env bash
# WebSocket benchmark: this project's websocket package on each engine
# (blocking API; the event-driven API on epoll when this build has it),
# gorilla/websocket and coder/websocket on net/http, and nbio's nbhttp
# WebSocket, in the same run. Then the idle-WebSocket test and the report
# (medians, ratios, chart panels) for docs/benchmarks.md.
#
#   bench/ws.sh                      # 3 rounds x 5 s per run
#   ROUNDS=5 DURATION=10s bench/ws.sh
#   IDLE=0 bench/ws.sh               # skip the idle test
#   IDLE_N=10000 bench/ws.sh         # WebSockets held in the idle test
#   PROFILE=1 bench/ws.sh            # also CPU profiles of the 1 KiB echo
#   BUILD=0 bench/ws.sh              # use the binaries already in bench/bin
#   NOTE="..." bench/ws.sh           # a line for ws_machine.txt (what was built)
#   IMPLS_ONLY="gorilla httpserver-epoll-events" bench/ws.sh   # a subset of servers
#   SCENARIOS_ONLY=ws-echo-1k-c256 bench/ws.sh                # a subset of scenarios
#   CLIENT_PROCS=2 bench/ws.sh       # GOMAXPROCS of the load client (default 1,
#                                    # as wrk -t1 in run.sh: the server keeps
#                                    # about one of the 2 cores)
#
# Echo: 256 connections, each sending a binary message (1 KiB, then
# 64 KiB) as soon as the echo of the previous one has arrived
# (bench/cmd/wsload, frames written by hand, the same client for every
# server). Permessage-deflate is off on every server. The headline is
# messages per server CPU-second (utime+stime from /proc/PID/stat before
# and after each run), msg/s and p99 round trip beside it.
#
# Idle: IDLE_N WebSockets opened from 127.0.0.2-127.0.0.251 by
# bench/cmd/idleconns -ws in its own process, then the server's RSS above
# its baseline per connection after a 2 s settle, and again after a forced
# GC (SIGUSR1: runtime/debug.FreeOSMemory in bench/cmd/wsbenchserver).
# All traffic stays on 127.0.0.0/8. Results go to bench/results/ws_*.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
IDLE=${IDLE:-1}
IDLE_N=${IDLE_N:-10000}
PROFILE=${PROFILE:-0}
CLIENT_PROCS=${CLIENT_PROCS:-1}
# httpserver-epoll-events is the event-driven API (AcceptEvents): built in
# with -tags wsevents when ../websocket has it; otherwise wsbenchserver
# exits with status 3 for it, and it is skipped.
ALL_IMPLS=(httpserver-goroutine httpserver-pool httpserver-epoll httpserver-epoll-events gorilla coder nbio)
# scenario name, connections, message size
SCENARIOS=("ws-echo-1k-c256 256 1024" "ws-echo-64k-c256 256 65536")

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
mkdir -p results bin
BUILD=${BUILD:-1}
if [ "$BUILD" = 1 ]; then
	TAGS=()
	if grep -q '^func AcceptEvents' ../websocket/*.go; then TAGS=(-tags wsevents); fi
	go build "${TAGS[@]}" -o bin/ ./cmd/wsbenchserver ./cmd/wsload ./cmd/idleconns
fi
OUT=results
RAW=$OUT/ws_raw.tsv
IDLEF=$OUT/ws_idle.tsv
mod_version() { go list -m -f '{{.Version}}' "$1"; }
{
	machine_info
	echo "gorilla/websocket: $(mod_version github.com/gorilla/websocket), coder/websocket: $(mod_version github.com/coder/websocket), nbio: $(mod_version github.com/lesismal/nbio)"
	echo "runs: $ROUNDS rounds x $DURATION, 256 connections, load client GOMAXPROCS=$CLIENT_PROCS, permessage-deflate off"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ -n "${NOTE:-}" ]; then echo "note: $NOTE"; fi
} >$OUT/ws_machine.txt

trap stop_all EXIT

# Start every server once; they idle while the others are measured.
declare -A PID_OF PORT_OF
IMPLS=()
for i in "${!ALL_IMPLS[@]}"; do
	impl=${ALL_IMPLS[$i]}
	wanted "${IMPLS_ONLY:-}" "$impl" || continue
	port=$((29400 + i)) # apart from run.sh's ports, so both can run at once
	rc=0
	serve "$port" bin/wsbenchserver -impl "$impl" -addr "127.0.0.1:$port" || rc=$?
	if [ "$rc" = 3 ]; then
		echo "ws.sh: $impl is not in this build; skipped" | tee -a $OUT/ws_machine.txt
		continue
	fi
	[ "$rc" = 0 ] || exit 1
	PID_OF[$impl]=$SERVER_PID
	PORT_OF[$impl]=$port
	IMPLS+=("$impl")
done
# wsload_result ADDR CONNS SIZE DURATION: one echo run; prints the fields
# of its RESULT line, "messages duration_us errors p50_us p99_us".
wsload_result() {
	GOMAXPROCS=$CLIENT_PROCS bin/wsload -addr "$1" -c "$2" -size "$3" -d "$4" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}
for impl in "${IMPLS[@]}"; do # warm-up
	wsload_result "127.0.0.1:${PORT_OF[$impl]}" 256 1024 1s >/dev/null
done

echo -e "round\tscenario\tserver\tmsg_per_s\tp50_us\tp99_us\trss_kib\tcpu_s\terrors\tmessages\tload1" >$RAW
for round in $(seq "$ROUNDS"); do
	for sc in "${SCENARIOS[@]}"; do
		read -r name conns size <<<"$sc"
		wanted "${SCENARIOS_ONLY:-}" "$name" || continue
		# Rotate the order every round so no server always goes first.
		for k in "${!IMPLS[@]}"; do
			impl=${IMPLS[$(((k + round) % ${#IMPLS[@]}))]}
			row=$(measured "${PID_OF[$impl]}" wsload_result "127.0.0.1:${PORT_OF[$impl]}" "$conns" "$size" "$DURATION")
			printf '%s\t%s\t%s\t%s\n' "$round" "$name" "$impl" "$row" | tee -a $RAW
		done
	done
done
stop_all

if [ "$PROFILE" = 1 ]; then
	# A CPU profile of each server under the 1 KiB echo
	# (results/ws-<server>-echo1k.top.txt).
	for impl in "${IMPLS[@]}"; do
		serve 9399 bin/wsbenchserver -impl "$impl" -addr 127.0.0.1:9399 -cpuprofile "$OUT/ws-$impl-echo1k.pprof"
		wsload_result 127.0.0.1:9399 256 1024 "$DURATION" >/dev/null
		stop_server "$SERVER_PID"
		write_top bin/wsbenchserver "$OUT/ws-$impl-echo1k"
	done
fi

if [ "$IDLE" = 1 ]; then
	echo -e "server\tconns\tbase_kib\tafter_kib\tper_conn_kib\tafter_gc_kib\tper_conn_gc_kib\tload1" >$IDLEF
	for impl in "${IMPLS[@]}"; do
		serve 9398 bin/wsbenchserver -impl "$impl" -addr 127.0.0.1:9398
		line=$(bin/idleconns -ws -gc -addr 127.0.0.1:9398 -pid "$SERVER_PID" -n "$IDLE_N") ||
			line="conns=$IDLE_N base_kib=0 after_kib=0 per_conn_kib=failed gc_kib=0 per_conn_gc_kib=failed"
		stop_server "$SERVER_PID"
		echo "$impl $line"
		printf '%s\t%s\t%s\n' "$impl" "$(kv_values "$line" conns base_kib after_kib per_conn_kib gc_kib per_conn_gc_kib)" "$(load1)" >>$IDLEF
		sleep 2 # let TIME_WAIT sockets of the closed connections drain a little
	done
fi

go run ./cmd/benchreport -dir $OUT -svg ../docs/benchmarks.svg | tee $OUT/report.md
