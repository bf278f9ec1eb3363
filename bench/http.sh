#!/usr/bin/env bash
# HTTP benchmark on the embedded store, Kaggle-scale data, one run, side by side:
#   import anime.csv + likes.csv.gz, rebuild (time and peak RSS), then wrk (2 threads, 64
#   connections) against /health, /recommends/{varied users}, /sim/{varied anime}, POST /clicks,
#   the server's RSS, and scripts/durability.sh (kill -9 and SIGTERM lose no acknowledged click).
#
#   bench/http.sh [DATA_DIR]        DATA_DIR defaults to ../shared/data (anime.csv, likes.csv.gz)
#   DURATION=10s PORT=18090 bench/http.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA="${1:-../shared/data}"
DURATION="${DURATION:-10s}"
PORT="${PORT:-18090}"
OUT="bench/out"
DB="$OUT/bench.sqlite"
BIN=".build-release/release/animerec"
mkdir -p "$OUT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
swift build -c release --product animerec --scratch-path .build-release 2>&1 | tail -1

rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== import"
/usr/bin/time -f "%e s, peak RSS %M KB" -o "$OUT/import.time" \
    "$BIN" import --db "$DB" --anime "$DATA/anime.csv" --ratings "$DATA/likes.csv.gz" 2> "$OUT/import.log" | tee "$OUT/import.out"
echo "import: $(cat "$OUT/import.time")"
echo "== rebuild"
/usr/bin/time -f "%e s, peak RSS %M KB" -o "$OUT/rebuild.time" "$BIN" rebuild --db "$DB" 2> "$OUT/rebuild.log" | tee "$OUT/rebuild.out"
echo "rebuild: $(cat "$OUT/rebuild.time")"

start_server() {
    "$BIN" serve --db "$DB" --port "$PORT" --host 127.0.0.1 > "$OUT/serve.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0; sleep 0.1; done
    echo "server did not start" >&2; exit 1
}
start_server
trap 'kill $SERVER 2>/dev/null || true' EXIT

# Lua scripts: user ids from the imported range, anime ids from the catalogue.
python3 - "$DATA/anime.csv" "$OUT" <<'PY'
import csv, sys
ids = [row[0] for row in csv.reader(open(sys.argv[1], encoding="utf-8")) if row and row[0].isdigit()]
out = sys.argv[2]
common = "ids = {" + ",".join(ids) + "}\nmath.randomseed(7)\n"
open(f"{out}/recommends.lua", "w").write(common + 'request = function() return wrk.format("GET", "/recommends/" .. math.random(1, 73516)) end\n')
open(f"{out}/sim.lua", "w").write(common + 'request = function() return wrk.format("GET", "/sim/" .. ids[math.random(#ids)]) end\n')
open(f"{out}/clicks.lua", "w").write(common + 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    'request = function() return wrk.format(nil, "/clicks", nil, string.format(\'{"user_id":%d,"anime_id":%s}\', math.random(1, 73516), ids[math.random(#ids)])) end\n')
PY

run_wrk() {  # name, path, [script]
    local name="$1" path="$2" script="${3:-}"
    if [ -n "$script" ]; then
        wrk -t2 -c64 -d"$DURATION" --latency -s "$script" "http://127.0.0.1:$PORT$path" > "$OUT/wrk-$name.txt"
    else
        wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$PORT$path" > "$OUT/wrk-$name.txt"
    fi
}
echo "== wrk: 2 threads, 64 connections, $DURATION each"
run_wrk warmup /recommends/1 "$OUT/recommends.lua" 
run_wrk health /health
run_wrk recommends /recommends/1 "$OUT/recommends.lua"
run_wrk sim /sim/1 "$OUT/sim.lua"
run_wrk clicks /clicks "$OUT/clicks.lua"
RSS_KB=$(ps -o rss= -p "$SERVER" | tr -d ' ')

python3 - "$OUT" "$RSS_KB" <<'PY'
import re, sys
out, rss = sys.argv[1], int(sys.argv[2])
def parse(name):
    text = open(f"{out}/wrk-{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0, sock.group(1) if sock else "none"
rows = {n: parse(n) for n in ["health", "recommends", "sim", "clicks"]}
print(f"{'endpoint':<22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}  socket errors")
for name, label in [("health", "GET /health"), ("recommends", "GET /recommends/{u}"), ("sim", "GET /sim/{a}"), ("clicks", "POST /clicks")]:
    rps, p50, p99, bad, sock = rows[name]
    print(f"{label:<22}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{bad:>9}  {sock}")
print(f"/recommends ÷ /health throughput: {rows['recommends'][0] / rows['health'][0]:.2f}")
print(f"server RSS after load: {rss / 1024:.0f} MB")
PY

kill "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true
echo "== durability: kill -9 and SIGTERM while 16 clients POST /clicks; every acknowledged event must be stored"
ANIMEREC_BIN="$BIN" PORT="$PORT" scripts/durability.sh "$DB"
