#!/usr/bin/env bash
# HTTP/2 over TLS: this project's server on each engine against Go's
# net/http HTTP/2 server and Debian's h2o (one thread), under
# `h2load -c16 -m32` (16 connections, 32 concurrent streams each; ALPN
# h2), on a 13-byte and a 64 KiB response, servers interleaved (rotating
# order), ROUNDS rounds of DURATION seconds per run.
#
#   bash bench/h2.sh                    # 3 rounds x 5 s (about 3 minutes)
#   ROUNDS=5 DURATION=10 bash bench/h2.sh
#   PROFILE=1 bash bench/h2.sh          # also a CPU profile of each engine per size
#
# Every server uses the same ECDSA P-256 certificate (made by openssl in a
# temporary directory). cmd/h2server serves /small and /64k from memory
# (this server, net/http); h2o serves the same two files from disk with
# `num-threads: 1` and no access log.
#
# The headline is requests per server CPU-second (utime+stime from
# /proc/PID/stat before and after each run, all threads), req/s beside it,
# with the 1-minute load average of each run; then the medians and the
# ratio to net/http and to h2o of the same round (median,
# lowest-highest). Results: bench/results/h2.tsv and h2-machine.txt; the
# report is printed and goes to results/h2-report.md, the chart's h2
# panels to docs/benchmarks.svg (cmd/benchreport). Installs
# nghttp2-client (h2load), h2o and openssl from Debian's packages when
# missing. All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CLIENTS=${CLIENTS:-16}
STREAMS=${STREAMS:-32}
PROFILE=${PROFILE:-0}
if ! command -v h2load >/dev/null || ! command -v h2o >/dev/null || ! command -v openssl >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq nghttp2-client h2o openssl >/dev/null
fi
work=$(mktemp -d)
chmod 755 "$work" # h2o drops to nobody, who reads the files
cleanup() {
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p results bin "$work/www"
go build -o bin/ ./cmd/h2server
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
chmod 644 "$work/key.pem"
printf 'Hello, World!' >"$work/www/small"
# The 64 KiB body h2server sends: "0123456789abcdef" 4096 times.
for _ in $(seq 4096); do printf '0123456789abcdef'; done >"$work/www/64k"
IMPLS=(httpserver-goroutine httpserver-pool httpserver-epoll nethttp h2o)
declare -A PID PORT
start_servers() { # start_servers [cpuprofile suffix]
	local i impl
	for i in "${!IMPLS[@]}"; do
		impl=${IMPLS[$i]}
		PORT[$impl]=$((19401 + i))
		if [ "$impl" = h2o ]; then
			cat >"$work/h2o.conf" <<CONF
num-threads: 1
user: nobody
error-log: $work/h2o-error.log
listen:
  host: 127.0.0.1
  port: ${PORT[$impl]}
  ssl:
    ocsp-update-interval: 0
    certificate-file: $work/cert.pem
    key-file: $work/key.pem
hosts:
  default:
    paths:
      /:
        file.dir: $work/www
CONF
			h2o -c "$work/h2o.conf" >/dev/null 2>&1 &
		else
			bin/h2server -impl "$impl" -addr "127.0.0.1:${PORT[$impl]}" -cert "$work/cert.pem" -key "$work/key.pem" 2>/dev/null &
		fi
		PID[$impl]=$!
		PIDS+=($!)
	done
	for impl in "${IMPLS[@]}"; do wait_port "${PORT[$impl]}"; done
}
start_servers

{
	machine_info
	echo "h2load: $(h2load --version | cut -d' ' -f2)"
	echo "h2o: $(h2o --version | head -1 | cut -d' ' -f3) ($(h2o --version | sed -n 2p))"
	echo "runs: $ROUNDS rounds x ${DURATION}s, h2load -c$CLIENTS -m$STREAMS -t1 over TLS"
	echo "tls: $(h2load -n1 "https://127.0.0.1:${PORT[nethttp]}/small" | awk -F': ' '/^TLS Protocol|^Cipher/ {printf "%s ", $2}')"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >results/h2-machine.txt

# h2load_run URL DURATION: prints "succeeded req/s errors" of one run.
h2load_run() {
	h2load -c"$CLIENTS" -m"$STREAMS" -t1 -D "$2" "$1" 2>&1 | awk '
		/^finished in/ { rps = $4 }
		/^requests:/ { ok = $8; bad = $10 + $12 + $14 }
		/^status codes:/ { non2xx = $5 + $7 + $9 }
		END { printf "%s %s %s\n", ok + 0, rps + 0, bad + non2xx }'
}

# Warm-up: every server, both responses, 1 s.
for impl in "${IMPLS[@]}"; do
	for path in small 64k; do h2load_run "https://127.0.0.1:${PORT[$impl]}/$path" 1 >/dev/null; done
done

printf 'size\tround\tserver\treq_per_cpu_s\treq_per_s\terrors\tload1\n' >results/h2.tsv
printf 'size\tround\tserver\treq per CPU-s\treq/s\terrors\tload1\n'
for round in $(seq "$ROUNDS"); do
	for path in small 64k; do
		for k in "${!IMPLS[@]}"; do
			impl=${IMPLS[$(((k + round) % ${#IMPLS[@]}))]}
			c0=$(cpu_ticks "${PID[$impl]}")
			read -r n rps errs <<<"$(h2load_run "https://127.0.0.1:${PORT[$impl]}/$path" "$DURATION")"
			c1=$(cpu_ticks "${PID[$impl]}")
			per=$(per_cpu_second "$n" "$c0" "$c1")
			load=$(load1)
			printf '%s\t%s\t%s\t%s\t%.0f\t%s\t%s\n' "$path" "$round" "$impl" "$per" "$rps" "$errs" "$load" | tee -a results/h2.tsv
		done
	done
done
stop_all

if [ "$PROFILE" = 1 ]; then
	# One CPU profile per engine and size: h2load alone against it for
	# DURATION (results/h2-<server>-<size>.top.txt).
	for path in small 64k; do
		for impl in httpserver-goroutine httpserver-epoll; do
			serve 19499 bin/h2server -impl "$impl" -addr 127.0.0.1:19499 -cert "$work/cert.pem" -key "$work/key.pem" \
				-cpuprofile "results/h2-$impl-$path.pprof"
			h2load_run "https://127.0.0.1:19499/$path" "$DURATION" >/dev/null
			stop_server "$SERVER_PID"
			write_top bin/h2server "results/h2-$impl-$path"
		done
	done
fi

echo
go run ./cmd/benchreport -dir results -svg ../docs/benchmarks.svg -h2 | tee results/h2-report.md
