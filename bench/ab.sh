#!/usr/bin/env bash
# A/B of two server binaries on one route, interleaved so that both see the same noise: for each
# round and each binary, a fresh copy of bench/out/bench.sqlite (made by bench/http.sh), a server,
# a warm-up, then wrk (2 threads, 64 connections) on /health and on the route. Prints req/s, p99
# and the ratio to /health per run, and each binary's median ratio at the end.
#
#   bench/ab.sh BIN_A BIN_B [ROUTE] [ROUNDS]    ROUTE: recommends (default), rank, sim, clicks, mixed
#   DURATION=8s PORT=18095 bench/ab.sh /tmp/animerec-before .build/release/animerec clicks 3
#
# `mixed` is bench/http.sh's mix (bench/mixed-load.sh): 64 connections on /recommends while 16 post clicks; the line
# shows the clicks (req/s, p50, p99, ratio of their req/s to /health) and /recommends beside them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
A="$1" B="$2" ROUTE="${3:-recommends}" ROUNDS="${4:-3}"
DURATION="${DURATION:-8s}"
PORT="${PORT:-18095}"
OUT="bench/out"
source bench/mixed-load.sh
SCRIPT="$ROUTE"; [ "$ROUTE" != mixed ] || SCRIPT=clicks
NEEDED=("$OUT/bench.sqlite" "$OUT/$SCRIPT.lua")
[ "$ROUTE" != mixed ] || NEEDED+=("$OUT/recommends.lua")
for file in "${NEEDED[@]}"; do
    [ -f "$file" ] || { echo "ab: $file is missing: run bench/http.sh first (it makes bench.sqlite and the wrk scripts)" >&2; exit 1; }
done
work="$(mktemp -d)"
SERVER=""
cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }
p50() { awk '$1 == "50%" {print $2}' "$1"; }

for round in $(seq 1 "$ROUNDS"); do
    for name in A B; do
        bin="$A"; [ "$name" = A ] || bin="$B"
        rm -f "$work"/db.sqlite*
        cp "$OUT/bench.sqlite" "$work/db.sqlite"
        "$bin" serve --db "$work/db.sqlite" --host 127.0.0.1 --port "$PORT" > "$work/serve.log" 2>&1 &
        SERVER=$!
        for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.1; done
        wrk -t2 -c64 -d3s -s "$OUT/$SCRIPT.lua" "http://127.0.0.1:$PORT" > /dev/null
        wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT/health" > "$work/health.txt"
        if [ "$ROUTE" = mixed ]; then
            mixed_load "http://127.0.0.1:$PORT" "$OUT" "$work/route.txt" "$work/beside.txt"
        else
            wrk -t2 -c64 -d"$DURATION" --latency -s "$OUT/$ROUTE.lua" "http://127.0.0.1:$PORT" > "$work/route.txt"
        fi
        kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
        health=$(rate "$work/health.txt") route=$(rate "$work/route.txt")
        ratio=$(awk -v r="$route" -v h="$health" 'BEGIN {printf "%.3f", r / h}')
        echo "$name $ratio" >> "$work/ratios"
        printf 'round %d  %s  /health %8.0f req/s   %-10s %8.0f req/s  p99 %8s  ratio %s' \
            "$round" "$name" "$health" "$ROUTE" "$route" "$(p99 "$work/route.txt")" "$ratio"
        if [ "$ROUTE" = mixed ]; then
            printf '  (clicks p50 %s; /recommends beside them %.0f req/s, p99 %s)' \
                "$(p50 "$work/route.txt")" "$(rate "$work/beside.txt")" "$(p99 "$work/beside.txt")"
        fi
        printf '\n'
    done
done
for name in A B; do
    printf 'median ratio %s: %s\n' "$name" "$(awk -v n="$name" '$1 == n {print $2}' "$work/ratios" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
done
