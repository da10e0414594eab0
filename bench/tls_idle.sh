#!/usr/bin/env bash
# Idle TLS keep-alive connections: what each one costs the server in
# resident memory, for each engine of this server and for Go's net/http,
# in the same run. Each server serves HTTPS (HTTP/1.1 by ALPN) with an
# in-memory ECDSA P-256 certificate; idleconns opens N connections,
# makes one request on each, and reads the server's RSS: first as the
# connections left it (per_conn_kib: with the garbage of their handshakes
# not yet collected, so it depends on where the GC cycle stands), then
# after the server collected garbage and returned free memory to the OS
# (per_conn_gc_kib: what the idle connections hold). Each is also given
# as a ratio to net/http's in the same run.
#
#   bench/tls_idle.sh            # N=2000
#   N=10000 bench/tls_idle.sh
#   CLASSIC=1 bench/tls_idle.sh  # the client offers X25519 only (no ML-KEM key share)
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh
N=${N:-2000}
CLIENT_FLAGS=(-tls -gc)
if [ "${CLASSIC:-0}" = 1 ]; then CLIENT_FLAGS+=(-tls-classic); fi
mkdir -p bin
go build -o bin/ ./cmd/benchserver ./cmd/idleconns
printf "server\tconns\tbase_kib\tafter_kib\tper_conn_kib\tvs_nethttp\tgc_kib\tper_conn_gc_kib\tvs_nethttp\n"
ref=""
for impl in nethttp httpserver-goroutine httpserver-pool httpserver-epoll; do
	bin/benchserver -impl "$impl" -tls -addr 127.0.0.1:9297 2>/dev/null &
	pid=$!
	wait_port 9297 || true
	line=$(bin/idleconns "${CLIENT_FLAGS[@]}" -addr 127.0.0.1:9297 -pid "$pid" -n "$N") || line="conns=$N per_conn_kib=failed"
	stop_server "$pid"
	if [ "$impl" = nethttp ]; then ref=$line; fi
	echo "$line" | awk -v s="$impl" -v ref="$ref" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n = split(ref, f, " "); for (i = 1; i <= n; i++) { split(f[i], kv, "="); r[kv[1]] = kv[2] }
		a = r["per_conn_kib"] + 0 > 0 ? sprintf("%.2f", v["per_conn_kib"] / r["per_conn_kib"]) : "-"
		g = r["per_conn_gc_kib"] + 0 > 0 ? sprintf("%.2f", v["per_conn_gc_kib"] / r["per_conn_gc_kib"]) : "-"
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, v["conns"], v["base_kib"], v["after_kib"], v["per_conn_kib"], a, v["gc_kib"], v["per_conn_gc_kib"], g }'
	sleep 1
done
