#!/usr/bin/env bash
# Same-run A/B of two commits of this project against fasthttp: builds
# cmd/benchserver at BASE (default: main) and at the working tree, starts
# both (each engine in ENGINES) and fasthttp side by side, and measures
# them in rotating order under wrk, ROUNDS times per scenario. Prints one
# line per run (requests per server CPU-second) and, per scenario and
# server, the median ratio to fasthttp of the same round with its range.
#
#   bench/ab.sh                                  # BASE=main, epoll, 5 rounds
#   BASE=9b29589 ENGINES="epoll goroutine" ROUNDS=3 bench/ab.sh
#   SCENARIOS="plaintext-c256 pipelined16-c256" bench/ab.sh
#
# All traffic stays on 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh

BASE=${BASE:-main}
ENGINES=${ENGINES:-epoll}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
SCENARIOS=${SCENARIOS:-"plaintext-c256 pipelined16-c256"}

tmp=$(mktemp -d)
cleanup() {
	stop_all
	rm -rf "$tmp"
}
trap cleanup EXIT

# The base build: the whole tree at BASE, with this bench module's
# dependencies.
git -C .. archive "$BASE" | tar -x -C "$tmp"
mkdir -p "$tmp/bin"
(cd "$tmp/bench" && go build -o "$tmp/bin/benchserver" ./cmd/benchserver)
go build -o "$tmp/bin/benchserver-new" ./cmd/benchserver

NAMES=()
declare -A PID_OF PORT_OF
start() { # name binary impl
	local port=$((9400 + ${#NAMES[@]}))
	"$2" -impl "$3" -addr "127.0.0.1:$port" 2>/dev/null &
	PIDS+=($!)
	PID_OF[$1]=$!
	PORT_OF[$1]=$port
	NAMES+=("$1")
	wait_port "$port"
}
for e in $ENGINES; do
	start "$e-before" "$tmp/bin/benchserver" "httpserver-$e"
	start "$e-after" "$tmp/bin/benchserver-new" "httpserver-$e"
done
start fasthttp "$tmp/bin/benchserver-new" fasthttp
for n in "${NAMES[@]}"; do wrk_warm_up 1 "http://127.0.0.1:${PORT_OF[$n]}/plaintext"; done

echo "base $(git -C .. rev-parse --short "$BASE"), after: working tree $(git -C .. rev-parse --short HEAD)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$tmp/raw.tsv
for round in $(seq "$ROUNDS"); do
	for sc in $SCENARIOS; do
		case $sc in
		plaintext-c256) conns=256 script=report ;;
		plaintext-c64) conns=64 script=report ;;
		pipelined16-c256) conns=256 script=pipeline ;;
		*) echo "ab.sh: unknown scenario $sc" >&2; exit 2 ;;
		esac
		for k in "${!NAMES[@]}"; do
			n=${NAMES[$(((k + round) % ${#NAMES[@]}))]}
			c0=$(cpu_ticks "${PID_OF[$n]}")
			res=$(wrk_result 1 "$conns" "$DURATION" "$script" "http://127.0.0.1:${PORT_OF[$n]}/plaintext")
			c1=$(cpu_ticks "${PID_OF[$n]}")
			read -r reqs _ <<<"$res"
			load=$(load1)
			echo -e "$round\t$sc\t$n\t$reqs\t$c0\t$c1\t$load" | tee -a "$out" |
				awk -v t="$TICK" '{printf "%s %s %-16s %8.0f req/CPU-s  load %s\n", $1, $2, $3, $4 / (($6 - $5) / t), $7}'
		done
	done
done
# Per scenario and server: median (and range) of the ratio to fasthttp in
# the same round.
awk -v t="$TICK" '
	{ v[$1 " " $2 " " $3] = $4 / (($6 - $5) / t); sc[$2] = 1; sv[$3] = 1; r[$1] = 1 }
	END {
		for (s in sc) for (n in sv) {
			if (n == "fasthttp") continue
			k = 0
			for (i in r) if ((i " " s " " n) in v) a[++k] = v[i " " s " " n] / v[i " " s " fasthttp"]
			for (x = 1; x <= k; x++) for (y = x + 1; y <= k; y++) if (a[y] < a[x]) { z = a[x]; a[x] = a[y]; a[y] = z }
			printf "%s %-16s vs fasthttp: median %.2fx (%.2f-%.2f)\n", s, n, (k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2), a[1], a[k]
		}
	}' "$out" | sort
