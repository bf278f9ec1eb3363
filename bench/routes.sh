#!/usr/bin/env bash
# Several routes of one binary side by side, interleaved so that all see the same noise: per round
# a fresh copy of bench/out/bench.sqlite (made by bench/http.sh), a server, a warm-up, then wrk
# (2 threads, 64 connections) on /health and on each route in turn. Prints req/s, p50, p99 and the
# ratio to /health per round, and each route's median ratio at the end.
#
#   bench/routes.sh BIN ROUNDS ROUTE...     ROUTE: the name of a bench/out/ROUTE.lua script
#   bench/routes.sh .build/release/animerec 3 recommends session
#
# `session` (/recommends?items= of 5 random catalogue titles) is written here when bench/http.sh
# has not written it yet.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$1" ROUNDS="$2"
shift 2
ROUTES=("$@")
DURATION="${DURATION:-8s}"
PORT="${PORT:-18096}"
DATA="${DATA:-../shared/data}"
OUT="bench/out"
[ -f "$OUT/bench.sqlite" ] || { echo "routes: $OUT/bench.sqlite is missing: run bench/http.sh first" >&2; exit 1; }
if [ ! -f "$OUT/session.lua" ]; then
    python3 - "$DATA/anime.csv" "$OUT/session.lua" <<'PY'
import csv, sys
ids = [row[0] for row in csv.reader(open(sys.argv[1], encoding="utf-8")) if row and row[0].isdigit()]
open(sys.argv[2], "w").write("ids = {" + ",".join(ids) + "}\nmath.randomseed(7)\n"
    + 'request = function() local t = {} for i = 1, 5 do t[i] = ids[math.random(#ids)] end '
    + 'return wrk.format("GET", "/recommends?items=" .. table.concat(t, ",")) end\n')
PY
fi
for route in "${ROUTES[@]}"; do
    [ -f "$OUT/$route.lua" ] || { echo "routes: $OUT/$route.lua is missing: run bench/http.sh first" >&2; exit 1; }
done
work="$(mktemp -d)"
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$work"' EXIT

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }

for round in $(seq 1 "$ROUNDS"); do
    rm -f "$work"/db.sqlite*
    cp "$OUT/bench.sqlite" "$work/db.sqlite"
    "$BIN" serve --db "$work/db.sqlite" --host 127.0.0.1 --port "$PORT" > "$work/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.1; done
    for route in "${ROUTES[@]}"; do wrk -t2 -c64 -d3s -s "$OUT/$route.lua" "http://127.0.0.1:$PORT" > /dev/null; done
    wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT/health" > "$work/health.txt"
    health=$(rate "$work/health.txt")
    printf 'round %d  /health %8.0f req/s\n' "$round" "$health"
    for route in "${ROUTES[@]}"; do
        wrk -t2 -c64 -d"$DURATION" --latency -s "$OUT/$route.lua" "http://127.0.0.1:$PORT" > "$work/route.txt"
        ratio=$(awk -v r="$(rate "$work/route.txt")" -v h="$health" 'BEGIN {printf "%.3f", r / h}')
        echo "$route $ratio" >> "$work/ratios"
        printf '          %-12s %8.0f req/s  p50 %8s  p99 %8s  ratio %s\n' "$route" "$(rate "$work/route.txt")" \
            "$(pct "$work/route.txt" 50%)" "$(pct "$work/route.txt" 99%)" "$ratio"
    done
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
done
for route in "${ROUTES[@]}"; do
    median=$(awk -v r="$route" '$1 == r {print $2}' "$work/ratios" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    printf 'median ratio to /health  %-12s %s\n' "$route" "$median"
done
