#!/usr/bin/env bash
# Load benchmark: this project's server (each engine), net/http and fasthttp
# under wrk, interleaved and repeated; then the idle-connection test; then
# the report (medians, ratios, SVG chart) for docs/benchmarks.md.
#
#   bench/run.sh                    # 3 rounds x 5 s per run (about 7 min)
#   ROUNDS=5 DURATION=10s bench/run.sh
#   IDLE=0 bench/run.sh             # skip the idle-connection test
#   PROFILE=1 bench/run.sh          # also a CPU profile of each engine
#   THREADS=2 bench/run.sh          # wrk threads (default 1: the server keeps
#                                   # about one of the 2 cores; same for all)
#   SCENARIOS_ONLY="plaintext-c256 pipelined16-c256" bench/run.sh
#
# The headline is requests per server CPU-second (utime+stime from
# /proc/PID/stat before and after each run); req/s and p99 beside it.
# All traffic stays on 127.0.0.0/8. Results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
IDLE=${IDLE:-1}
IDLE_COUNTS=${IDLE_COUNTS:-"10000 18000"}
PROFILE=${PROFILE:-0}
THREADS=${THREADS:-1}
SCENARIOS_ONLY=${SCENARIOS_ONLY:-}
IMPLS=(httpserver-goroutine httpserver-pool httpserver-epoll nethttp fasthttp)
# scenario name, connections, path, lua script
SCENARIOS=("plaintext-c64 64 /plaintext report" "plaintext-c256 256 /plaintext report"
	"pipelined16-c256 256 /plaintext pipeline" "json-c256 256 /json report")

if ! command -v wrk >/dev/null; then
	echo "run.sh: installing wrk" >&2
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mkdir -p results bin
go build -o bin/ ./cmd/...
OUT=results
RAW=$OUT/raw.tsv
IDLEF=$OUT/idle.tsv
{
	machine_info
	echo "wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f2)"
	echo "fasthttp: $(go list -m -f '{{.Version}}' github.com/valyala/fasthttp)"
	echo "runs: $ROUNDS rounds x $DURATION, wrk -t$THREADS"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >$OUT/machine.txt

trap stop_all EXIT

port_of() { echo $((9200 + $1)); }

# Start every server once; they idle while the others are measured.
declare -A PID_OF
for i in "${!IMPLS[@]}"; do
	impl=${IMPLS[$i]}
	serve "$(port_of "$i")" bin/benchserver -impl "$impl" -addr "127.0.0.1:$(port_of "$i")"
	PID_OF[$impl]=$SERVER_PID
done
for i in "${!IMPLS[@]}"; do # warm-up
	wrk_warm_up "$THREADS" "http://127.0.0.1:$(port_of "$i")/plaintext"
done

echo -e "round\tscenario\tserver\treq_per_s\tp50_us\tp99_us\trss_kib\tcpu_s\terrors\trequests\tload1" >$RAW
for round in $(seq "$ROUNDS"); do
	for sc in "${SCENARIOS[@]}"; do
		read -r name conns path script <<<"$sc"
		wanted "$SCENARIOS_ONLY" "$name" || continue
		# Rotate the order every round so no server always goes first.
		for k in "${!IMPLS[@]}"; do
			i=$(((k + round) % ${#IMPLS[@]}))
			impl=${IMPLS[$i]}
			row=$(measured "${PID_OF[$impl]}" wrk_result "$THREADS" "$conns" "$DURATION" "$script" "http://127.0.0.1:$(port_of "$i")$path")
			printf '%s\t%s\t%s\t%s\n' "$round" "$name" "$impl" "$row" | tee -a $RAW
		done
	done
done
stop_all

if [ "$PROFILE" = 1 ]; then
	# One CPU profile per server and load shape: plaintext c256 and
	# pipelined x16 c256 (results/<server>-<shape>.top.txt).
	for shape in "plaintext report" "pipelined16 pipeline"; do
		read -r sname script <<<"$shape"
		for impl in httpserver-goroutine httpserver-pool httpserver-epoll fasthttp; do
			serve 9299 bin/benchserver -impl "$impl" -addr 127.0.0.1:9299 -cpuprofile "$OUT/$impl-$sname.pprof"
			wrk -t"$THREADS" -c256 -d"$DURATION" -s "lua/$script.lua" http://127.0.0.1:9299/plaintext >/dev/null
			stop_server "$SERVER_PID"
			write_top bin/benchserver "$OUT/$impl-$sname"
		done
	done
fi

if [ "$IDLE" = 1 ]; then
	echo -e "server\tconns\tbase_kib\tafter_kib\tper_conn_kib" >$IDLEF
	for impl in "${IMPLS[@]}"; do
		for n in $IDLE_COUNTS; do
			serve 9298 bin/benchserver -impl "$impl" -addr 127.0.0.1:9298
			line=$(bin/idleconns -addr 127.0.0.1:9298 -pid "$SERVER_PID" -n "$n") || line="conns=$n base_kib=0 after_kib=0 per_conn_kib=failed"
			stop_server "$SERVER_PID"
			echo "$impl $line"
			printf '%s\t%s\n' "$impl" "$(kv_values "$line" conns base_kib after_kib per_conn_kib)" >>$IDLEF
			sleep 1 # let TIME_WAIT sockets of the closed connections drain a little
		done
	done
fi

go run ./cmd/benchreport -dir $OUT -svg ../docs/benchmarks.svg | tee $OUT/report.md
