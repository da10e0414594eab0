# shellcheck shell=bash
# Shell functions the benchmark scripts share. Each script sources it
# after `cd "$(dirname "$0")"` (the bench/ folder):
#
#   . ./lib.sh
#
# Messages name the script that sourced this file.

# TICK is the length of a clock tick in /proc/PID/stat, per second.
TICK=$(getconf CLK_TCK)

# cpu_ticks PID: user+system CPU time of a process (all its threads), in
# clock ticks (utime+stime, fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# cpu_seconds C0 C1: the CPU seconds between two cpu_ticks readings, to
# the hundredth.
cpu_seconds() { awk -v a="$1" -v b="$2" -v t="$TICK" 'BEGIN {printf "%.2f", (b - a) / t}'; }

# per_cpu_second N C0 C1: N per CPU-second between two cpu_ticks
# readings, rounded; 0 if no tick passed.
per_cpu_second() {
	awk -v n="$1" -v c=$(($3 - $2)) -v t="$TICK" 'BEGIN { printf "%.0f", (c > 0 ? n / (c / t) : 0) }'
}

# per_second N DURATION_US: N per second of DURATION_US microseconds,
# rounded.
per_second() { awk -v r="$1" -v d="$2" 'BEGIN {printf "%.0f", r / (d / 1e6)}'; }

# rss_kib PID: resident memory of a process in KiB (VmRSS).
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# load1: the 1-minute load average.
load1() { cut -d' ' -f1 /proc/loadavg; }

# machine_info: the date, CPU, kernel and Go lines that open every
# *machine.txt.
machine_info() {
	echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') x $(nproc)"
	echo "kernel: $(uname -r)"
	echo "go: $(go version | cut -d' ' -f3-)"
}

# PIDS lists the servers a script has running, for stop_all.
PIDS=()

# stop_all: kills every process in PIDS, waits for them all and empties
# PIDS.
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	PIDS=()
}

# serve PORT CMD...: starts a server, CMD with its stderr dropped, in the
# background; adds it to PIDS, sets SERVER_PID and waits for PORT as
# wait_port does (returning what it returns; a server that is not up is
# taken out of PIDS).
serve() {
	local port=$1 rc=0
	shift
	"$@" 2>/dev/null &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_port "$port" "$SERVER_PID" || rc=$?
	if [ "$rc" != 0 ]; then forget_pid "$SERVER_PID"; fi
	return "$rc"
}

# forget_pid PID: takes PID out of PIDS.
forget_pid() {
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# stop_server PID: SIGTERM to a server (which stops cleanly, writing its
# CPU profile if it has one), then waits for it and takes it out of PIDS.
stop_server() {
	kill -TERM "$1"
	wait "$1" || true
	forget_pid "$1"
}

# wait_port PORT [PID]: returns 0 once 127.0.0.1:PORT accepts a
# connection (trying for 10 s). With PID, if that server exits first: 3
# if its exit status was 3 (wsbenchserver: not in this build), else 1.
wait_port() {
	for _ in $(seq 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
			local rc=0
			wait "$2" || rc=$?
			[ "$rc" = 3 ] && return 3
			echo "${0##*/}: server on port $1 exited with status $rc" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "${0##*/}: port $1 did not open" >&2
	return 1
}

# wrk_warm_up THREADS URL: one second of wrk -c64 on URL, output dropped.
wrk_warm_up() { wrk -t"$1" -c64 -d1s "$2" >/dev/null; }

# wrk_result THREADS CONNS DURATION SCRIPT URL: one wrk run with
# lua/SCRIPT.lua (report or pipeline); prints its RESULT line's fields,
# "requests duration_us errors p50_us p99_us".
wrk_result() {
	wrk -t"$1" -c"$2" -d"$3" --timeout 5s -s "lua/$4.lua" "$5" | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}

# kv_values LINE KEY...: the values of the KEY=VALUE words of LINE (an
# idle client's result line) for each KEY, tab-separated; empty for a KEY
# that LINE lacks.
kv_values() {
	local line=$1
	shift
	awk -v keys="$*" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = split(keys, k, " ")
		for (i = 1; i <= n; i++) printf "%s%s", v[k[i]], (i < n ? "\t" : "\n") }' <<<"$line"
}

# measured PID CMD...: runs CMD, a load client that prints "COUNT
# DURATION_US ERRORS P50 P99", and prints, tab-separated, what the
# scripts record of the run: COUNT per second, P50, P99, the server
# PID's RSS in KiB and the CPU seconds it used meanwhile, ERRORS, COUNT
# and the 1-minute load average.
measured() {
	local pid=$1 c0 c1 res n dur_us errs p50 p99 rss
	shift
	c0=$(cpu_ticks "$pid") && res=$("$@") && c1=$(cpu_ticks "$pid") || return
	read -r n dur_us errs p50 p99 <<<"$res"
	rss=$(rss_kib "$pid") || return
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(per_second "$n" "$dur_us")" "$p50" "$p99" "$rss" \
		"$(cpu_seconds "$c0" "$c1")" "$errs" "$n" "$(load1)"
}

# wanted LIST NAME: true if LIST (names separated by spaces, such as
# SCENARIOS_ONLY) is empty or holds NAME.
wanted() { [ -z "$1" ] || [[ " $1 " == *" $2 "* ]]; }

# write_top BINARY NAME: the top 40 functions of the CPU profile
# NAME.pprof of BINARY, to NAME.top.txt, and a line that says so.
write_top() {
	go tool pprof -top -nodecount=40 "$1" "$2.pprof" >"$2.top.txt" 2>/dev/null
	echo "profile: $2.top.txt"
}
