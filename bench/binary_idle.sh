#!/usr/bin/env bash
# Idle keep-alive connections of the binary as shipped: `httpserver
# --engine epoll --root DIR` with its default middleware (request IDs,
# the JSON access log to stdout, here /dev/null, recovery, metrics, the
# compression check). idleconns opens N connections, gets /plaintext (a
# 13-byte file in DIR) once on each, and reports the server's RSS above
# its baseline per connection; a fresh process per measurement, the
# variants interleaved, ROUNDS rounds.
#
#   bash bench/binary_idle.sh                     # this tree, N=10000, 3 rounds
#   BINARIES="before=/tmp/old after=/tmp/new" bash bench/binary_idle.sh
#   EXTRA="--access-log=false" bash bench/binary_idle.sh
#
# BINARIES names the binaries to compare (label=path); by default the
# binary built from this tree. BARE=1 adds the bench server's bare epoll
# engine (no middleware) as a reference. All traffic stays on loopback.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
N=${N:-10000}
ROUNDS=${ROUNDS:-3}
EXTRA=${EXTRA:-}
BARE=${BARE:-0}
mkdir -p bin
go build -o bin/ ./cmd/benchserver ./cmd/idleconns
if [ -z "${BINARIES:-}" ]; then
	(cd .. && go build -o bench/bin/httpserver ./cmd/httpserver)
	BINARIES="this=bin/httpserver"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
work=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
printf 'Hello, World!' >"$work/plaintext"

# measure LABEL CMD...: one fresh server, one idleconns run.
measure() {
	local label=$1
	shift
	"$@" >/dev/null 2>&1 &
	PID=$!
	wait_port 9296
	line=$(bin/idleconns -addr 127.0.0.1:9296 -pid "$PID" -n "$N") || line="conns=$N base_kib=0 after_kib=0 per_conn_kib=failed"
	stop_server "$PID"
	PID=
	printf '%s\t%s\t%s\t%s\n' "$round" "$label" "$(kv_values "$line" conns base_kib after_kib per_conn_kib)" "$(load1)"
	sleep 1 # let the closed connections' TIME_WAIT sockets drain a little
}

printf "round\tserver\tconns\tbase_kib\tafter_kib\tper_conn_kib\tload1\n"
for round in $(seq "$ROUNDS"); do
	for b in $BINARIES; do
		# shellcheck disable=SC2086 # EXTRA is a list of flags
		measure "${b%%=*}" "${b#*=}" --engine epoll --root "$work" --addr 127.0.0.1:9296 $EXTRA
	done
	if [ "$BARE" = 1 ]; then
		measure bare-epoll bin/benchserver -impl httpserver-epoll -addr 127.0.0.1:9296
	fi
done
