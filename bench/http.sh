#!/usr/bin/env bash
# HTTP benchmark, Kaggle-scale data, one run, the stores side by side:
#   for each store: import anime.csv + likes.csv.gz, rebuild (time and peak RSS), then wrk
#   (2 threads, 64 connections) against /health, /recommends/{varied users}, /recommends?items=
#   {5 varied anime} (a visitor without an account), /sim/{varied anime},
#   POST /clicks, then 64 connections on /recommends while 16 post clicks (a mix), users with many
#   signals against plain ones (bench/heavy-load.sh: 200 dislikes and 4,000 exposures each), and
#   the server's RSS. Two more routes place /recommends' cost: /anime/{varied anime} (one point read
#   of the store's catalogue and a small JSON body) and /recall/{varied users} (the user's
#   partitions read and recall, no ranking, a body of ids); beside each route, the share of the machine's CPU time the
#   hypervisor stole during its run (on a shared VM, a figure taken under steal is not comparable
#   with one taken without). The embedded store finishes with scripts/durability.sh
#   (kill -9 and SIGTERM lose no acknowledged click); the Cassandra store runs on a local 3-node
#   ring (scripts/cassandra.sh, Cassandra's own timeouts) at replication 3, QUORUM, and first
#   measures that ring's raw single-row INSERT and SELECT rates with bench/cql.sh in the same run.
#
#   bench/http.sh [DATA_DIR]        DATA_DIR defaults to ../shared/data (anime.csv, likes.csv.gz)
#   DURATION=10s PORT=18090 STORES="sqlite cassandra" bench/http.sh
#   REUSE=1                         sqlite: keep bench/out/bench.sqlite when it exists (skips import
#                                   and rebuild; their figures are those of the run that made it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA="${1:-../shared/data}"
DURATION="${DURATION:-10s}"
PORT="${PORT:-18090}"
STORES="${STORES:-sqlite cassandra}"
OUT="bench/out"
BIN=".build/release/animerec"
mkdir -p "$OUT"
source bench/mixed-load.sh
source bench/heavy-load.sh

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
swift build -c release --product animerec 2>&1 | tail -1

SERVER=""
RING=0
cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
    [ "$RING" = 0 ] || scripts/cassandra.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Lua scripts: user ids from the imported range, anime ids from the catalogue.
python3 - "$DATA/anime.csv" "$OUT" <<'PY'
import csv, sys
ids = [row[0] for row in csv.reader(open(sys.argv[1], encoding="utf-8")) if row and row[0].isdigit()]
out = sys.argv[2]
common = "ids = {" + ",".join(ids) + "}\nmath.randomseed(7)\n"
open(f"{out}/recommends.lua", "w").write(common + 'request = function() return wrk.format("GET", "/recommends/" .. math.random(1, 73516)) end\n')
open(f"{out}/session.lua", "w").write(common + 'request = function() local t = {} for i = 1, 5 do t[i] = ids[math.random(#ids)] end return wrk.format("GET", "/recommends?items=" .. table.concat(t, ",")) end\n')
open(f"{out}/rank.lua", "w").write(common + 'request = function() return wrk.format("GET", "/rank/" .. math.random(1, 73516)) end\n')
open(f"{out}/recall.lua", "w").write(common + 'request = function() return wrk.format("GET", "/recall/" .. math.random(1, 73516)) end\n')
open(f"{out}/anime.lua", "w").write(common + 'request = function() return wrk.format("GET", "/anime/" .. ids[math.random(#ids)]) end\n')
open(f"{out}/sim.lua", "w").write(common + 'request = function() return wrk.format("GET", "/sim/" .. ids[math.random(#ids)]) end\n')
open(f"{out}/clicks.lua", "w").write(common + 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    'request = function() return wrk.format(nil, "/clicks", nil, string.format(\'{"user_id":%d,"anime_id":%s}\', math.random(1, 73516), ids[math.random(#ids)])) end\n')
PY

cpu_times() {  # the machine's CPU time so far and the part of it stolen by the hypervisor (/proc/stat, ticks)
    awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat
}

cql_counts() {  # the service's CQL statements and speculative executions so far (its /metrics; 0 0 on SQLite)
    curl -sf "http://127.0.0.1:$PORT/metrics" | awk '
        /^cql_client_requests_total/ { s += $NF } /^cql_client_speculative_executions_total/ { x += $NF }
        END { printf "%d %d\n", s, x }'
}

run_wrk() {  # store, name, path, [script], [connections]; also records the share of CPU time stolen
    # meanwhile and the CQL statements the service sent (client metrics, before and after)
    local store="$1" name="$2" path="$3" script="${4:-}" connections="${5:-64}"
    local args=(-t2 -c"$connections" -d"$DURATION" --latency) before cql_before
    [ -z "$script" ] || args+=(-s "$script")
    before=$(cpu_times)
    cql_before=$(cql_counts)
    wrk "${args[@]}" "http://127.0.0.1:$PORT$path" > "$OUT/wrk-$store-$name.txt"
    echo "$before $(cpu_times)" | awk '{t = $3 - $1; printf "%.0f\n", (t > 0 ? 100 * ($4 - $2) / t : 0)}' > "$OUT/steal-$store-$name.txt"
    echo "$cql_before $(cql_counts)" | awk '{ print $3 - $1, $4 - $2 }' > "$OUT/cql-$store-$name.txt"
}

bench_store() {  # store kind
    local kind="$1" url
    case "$kind" in
        sqlite)
            url="sqlite:$OUT/bench.sqlite"
            if [ "${REUSE:-0}" = 1 ] && [ -f "$OUT/bench.sqlite" ] && [ -f "$OUT/sqlite-rebuild.time" ]; then
                echo "== sqlite: reusing $OUT/bench.sqlite (REUSE=1)"
                serve_and_measure "$kind" "$url"
                return
            fi
            rm -f "$OUT/bench.sqlite" "$OUT/bench.sqlite-wal" "$OUT/bench.sqlite-shm"
            ;;
        cassandra)
            scripts/cassandra.sh wipe >/dev/null 2>&1 || true
            scripts/cassandra.sh start 3 >/dev/null
            RING=1
            url="cassandra://$(scripts/cassandra.sh hosts)/bench?replication=3"
            echo "== $kind: migrate"
            "$BIN" migrate --store "$url" > "$OUT/$kind-migrate.out" 2>&1
            echo "== $kind: the ring's raw single-row rates (bench/cql.sh: replication 3, QUORUM, 64 in flight)"
            bench/cql.sh --hosts "$(scripts/cassandra.sh hosts)" --replication 3 --consistency quorum --concurrency 64 \
                --count 20000 --warmup 2000 | tee "$OUT/$kind-raw.txt"
            ;;
        *) echo "unknown store $kind" >&2; exit 1 ;;
    esac
    echo "== $kind: import"
    /usr/bin/time -f "%e s, peak RSS %M KB" -o "$OUT/$kind-import.time" \
        "$BIN" import --store "$url" --anime "$DATA/anime.csv" --ratings "$DATA/likes.csv.gz" 2> "$OUT/$kind-import.log" | tee "$OUT/$kind-import.out"
    echo "$kind import: $(cat "$OUT/$kind-import.time")"
    echo "== $kind: rebuild"
    /usr/bin/time -f "%e s, peak RSS %M KB" -o "$OUT/$kind-rebuild.time" "$BIN" rebuild --store "$url" 2> "$OUT/$kind-rebuild.log" | tee "$OUT/$kind-rebuild.out"
    echo "$kind rebuild: $(cat "$OUT/$kind-rebuild.time")"
    serve_and_measure "$kind" "$url"
}

serve_and_measure() {  # store kind, url
    local kind="$1" url="$2"
    "$BIN" serve --store "$url" --port "$PORT" --host 127.0.0.1 > "$OUT/$kind-serve.log" 2>&1 &
    SERVER=$!
    local up=0
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && { up=1; break; }; sleep 0.2; done
    [ "$up" = 1 ] || { echo "$kind server did not become ready" >&2; tail -20 "$OUT/$kind-serve.log" >&2; exit 1; }
    echo "== $kind: wrk, 2 threads, 64 connections, $DURATION each"
    run_wrk "$kind" warmup /recommends/1 "$OUT/recommends.lua"
    run_wrk "$kind" health /health
    run_wrk "$kind" recommends /recommends/1 "$OUT/recommends.lua"
    run_wrk "$kind" recommends-8 /recommends/1 "$OUT/recommends.lua" 8
    run_wrk "$kind" session "/recommends?items=1" "$OUT/session.lua"
    run_wrk "$kind" rank /rank/1 "$OUT/rank.lua"
    run_wrk "$kind" sim /sim/1 "$OUT/sim.lua"
    run_wrk "$kind" clicks /clicks "$OUT/clicks.lua"
    run_wrk "$kind" anime /anime/1 "$OUT/anime.lua"
    run_wrk "$kind" recall /recall/1 "$OUT/recall.lua"
    mixed_load "http://127.0.0.1:$PORT" "$OUT" "$OUT/wrk-$kind-mixed-clicks.txt" "$OUT/wrk-$kind-mixed-recommends.txt"
    heavy_seed "http://127.0.0.1:$PORT" "$DATA/anime.csv"
    heavy_scripts "$OUT"
    run_wrk "$kind" plain /recommends/1001 "$OUT/plain.lua"
    run_wrk "$kind" heavy /recommends/2001 "$OUT/heavy.lua"
    ps -o rss= -p "$SERVER" | tr -d ' ' > "$OUT/$kind-rss.kb"
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    if [ "$kind" = sqlite ]; then
        echo "== sqlite: durability: kill -9 and SIGTERM while 16 clients POST /clicks; every acknowledged event must be stored"
        ANIMEREC_BIN="$BIN" PORT="$PORT" scripts/durability.sh "$OUT/bench.sqlite"
    else
        scripts/cassandra.sh stop >/dev/null 2>&1 || true
        RING=0
    fi
}

for kind in $STORES; do bench_store "$kind"; done

python3 - "$OUT" $STORES <<'PY'
import re, sys
out, stores = sys.argv[1], sys.argv[2:]
def parse(store, name):
    text = open(f"{out}/wrk-{store}-{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    try:
        steal = open(f"{out}/steal-{store}-{name}.txt").read().strip() + " %"
    except OSError:
        steal = "?"
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    try:
        statements, speculative = (int(v) for v in open(f"{out}/cql-{store}-{name}.txt").read().split())
    except (OSError, ValueError):
        statements, speculative = 0, 0
    # CQL statements a request, speculative copies counted as one more each (client metrics).
    cql = f"{(statements + speculative) / requests:.1f}" if statements and requests else "-"
    spec = f"{100 * speculative / statements:.1f}" if statements else "-"
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0, sock.group(1) if sock else "none", steal, cql, spec
print(f"{'store':<10}{'step':<22}{'figure'}")
for store in stores:
    for step in ["import", "rebuild"]:
        print(f"{store:<10}{step:<22}{open(f'{out}/{store}-{step}.time').read().strip()}")
    imported = re.search(r"\(likes[^)]*\): ([\d,]+) rows.*?([\d.]+) s$", open(f"{out}/{store}-import.out").read(), re.M)
    if imported:
        rows, seconds = int(imported.group(1).replace(",", "")), float(imported.group(2))
        print(f"{store:<10}{'import input rate':<22}{rows / seconds:,.0f} rows/s ({rows:,} rows in {seconds:.1f} s)")
    phases = re.findall(r"^  ([a-z ]+): ([\d.]+) s$", open(f"{out}/{store}-rebuild.out").read(), re.M)
    if phases:
        top = max(phases, key=lambda p: float(p[1]))
        print(f"{store:<10}{'rebuild stages':<22}" + ", ".join(f"{n} {v} s" for n, v in phases) + f"; dominated by {top[0]}")
    try:
        raw = open(f"{out}/{store}-raw.txt").read()
    except OSError:
        raw = ""
    for case in ["INSERT", "SELECT"]:
        m = re.search(rf"prepared {case}, 64 in flight\s+(\d+)", raw)
        if m:
            print(f"{store:<10}{'raw ' + case:<22}{int(m.group(1)):,} ops/s (bench/cql.sh: one row, QUORUM, replication 3, 64 in flight; same ring, same run)")
print()
print(f"{'store':<10}{'endpoint':<24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'÷ health':>10}{'CQL/req':>9}{'spec %':>8}{'non-2xx':>9}{'steal':>7}  socket errors")
for store in stores:
    rows = {n: parse(store, n) for n in ["health", "recommends", "session", "rank", "sim", "clicks"]}
    def line(label, row, steal=True):
        rps, p50, p99, bad, sock, stolen, cql, spec = row
        print(f"{store:<10}{label:<24}{rps:>10.0f}{p50:>9.2f}{p99:>9.2f}{rps / rows['health'][0]:>10.2f}{cql:>9}{spec:>8}{bad:>9}{stolen if steal else '':>7}  {sock}")
    for name, label in [("health", "GET /health"), ("recommends", "GET /recommends/{u}"),
                        ("session", "GET /recommends?items=5"), ("rank", "GET /rank/{u}"),
                        ("sim", "GET /sim/{a}"), ("clicks", "POST /clicks")]:
        line(label, rows[name])
    line("GET /recommends, 8 conn", parse(store, "recommends-8"))
    for name, label in [("mixed-recommends", "mixed: GET /recommends"), ("mixed-clicks", "mixed: POST /clicks")]:
        line(label, parse(store, name), steal=False)
    for name, label in [("anime", "where: GET /anime/{a}"), ("recall", "where: GET /recall/{u}")]:
        line(label, parse(store, name))
    for name, label in [("plain", "100 plain users"), ("heavy", "100 heavy users")]:
        line(label, parse(store, name))
    print(f"{store:<10}users with 200 dislikes and 4,000 exposures: /recommends {parse(store, 'heavy')[0] / parse(store, 'plain')[0]:.2f} × the plain users' rate")
    raw = {}
    try:
        text = open(f"{out}/{store}-raw.txt").read()
        for case in ["INSERT", "SELECT"]:
            m = re.search(rf"prepared {case}, 64 in flight\s+(\d+)", text)
            if m:
                raw[case] = int(m.group(1))
    except OSError:
        pass
    if raw:
        print(f"{store:<10}ratios to the ring's raw rates, same run: /recommends {rows['recommends'][0] / raw['SELECT']:.2f} × raw SELECT, "
              f"POST /clicks {rows['clicks'][0] / raw['INSERT']:.2f} × raw INSERT")
    print(f"{store:<10}server RSS after load: {int(open(f'{out}/{store}-rss.kb').read()) / 1024:.0f} MB")
PY
