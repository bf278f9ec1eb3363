#!/usr/bin/env bash
# Users with many signals against plain users, side by side on one server: a copy of
# bench/out/bench.sqlite (made by bench/http.sh), 100 "heavy" users (2001–2100) given 200
# "not interested" each and 40 impression batches of 100 titles in 40 different hours (4,000
# exposures each), 100 plain users (1001–1100) left as imported. Then ROUNDS rounds of wrk (2
# threads, 64 connections) on /recommends of each group in turn; prints req/s, p50 and p99 per
# round, the ratio heavy ÷ plain, and its median.
#
#   bench/heavy-users.sh BIN ROUNDS        e.g. bench/heavy-users.sh .build/release/animerec 3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="$1" ROUNDS="$2"
DURATION="${DURATION:-8s}"
PORT="${PORT:-18098}"
DATA="${DATA:-../shared/data}"
OUT="bench/out"
[ -f "$OUT/bench.sqlite" ] || { echo "heavy-users: $OUT/bench.sqlite is missing: run bench/http.sh first" >&2; exit 1; }
work="$(mktemp -d)"
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$OUT/bench.sqlite" "$work/db.sqlite"
"$BIN" serve --db "$work/db.sqlite" --host 127.0.0.1 --port "$PORT" > "$work/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.1; done

started=$(date +%s)
python3 - "$DATA/anime.csv" "$PORT" <<'PY'
import csv, http.client, json, random, sys, time
ids = [int(row[0]) for row in csv.reader(open(sys.argv[1], encoding="utf-8")) if row and row[0].isdigit()]
port = int(sys.argv[2])
random.seed(11)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
def post(path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"heavy-users: {path} answered {response.status}")
now = int(time.time() * 1000)
for user in range(2001, 2101):
    for anime in random.sample(ids, 200):
        post("/dislikes", {"user_id": user, "anime_id": anime})
    for hour in range(40):
        post("/impressions", {"user_id": user, "anime_ids": random.sample(ids, 100), "at": now - hour * 3_600_000})
PY
echo "heavy-users: 100 users given 200 dislikes and 4,000 exposures each in $(( $(date +%s) - started )) s"
for group in plain:1001 heavy:2001; do
    name=${group%%:*} first=${group##*:}
    printf 'math.randomseed(7)\nrequest = function() return wrk.format("GET", "/recommends/" .. math.random(%d, %d)) end\n' \
        "$first" "$((first + 99))" > "$work/$name.lua"
    wrk -t2 -c64 -d3s -s "$work/$name.lua" "http://127.0.0.1:$PORT" > /dev/null
done

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
for round in $(seq 1 "$ROUNDS"); do
    for name in plain heavy; do
        wrk -t2 -c64 -d"$DURATION" --latency -s "$work/$name.lua" "http://127.0.0.1:$PORT" > "$work/$name.txt"
        printf 'round %d  %-6s %8.0f req/s  p50 %8s  p99 %8s\n' "$round" "$name" "$(rate "$work/$name.txt")" \
            "$(pct "$work/$name.txt" 50%)" "$(pct "$work/$name.txt" 99%)"
    done
    ratio=$(awk -v h="$(rate "$work/heavy.txt")" -v p="$(rate "$work/plain.txt")" 'BEGIN {printf "%.3f", h / p}')
    echo "$ratio" >> "$work/ratios"
    echo "          heavy ÷ plain $ratio"
done
sort -n "$work/ratios" | awk '{a[NR] = $1} END {printf "heavy-users: median heavy ÷ plain over %d rounds: %s\n", NR, a[int((NR + 1) / 2)]}'
