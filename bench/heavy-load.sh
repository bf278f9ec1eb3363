# Users with many signals against plain users on one running server, sourced by bench/http.sh (both
# stores) and bench/heavy-users.sh so the two measure the same thing: 100 "heavy" users
# (2001–2100) are given 200 "not interested" each and 40 impression batches of 100 titles in 40
# different hours (4,000 exposures each), 100 plain users (1001–1100) are left as imported; then
# ROUNDS rounds of wrk (2 threads, 64 connections, DURATION) on /recommends of each group in turn.
# Prints req/s, p50 and p99 per round, the ratio heavy ÷ plain, and its median; the wrk reports of
# the last round are left in WORK/heavy.txt and WORK/plain.txt.
#
#   heavy_load BASE_URL ANIME_CSV WORK ROUNDS     all of it
#   heavy_seed BASE_URL ANIME_CSV                 only the heavy users' signals
#   heavy_scripts WORK                            only the wrk scripts plain.lua and heavy.lua
heavy_load() {
    local base="$1" anime="$2" work="$3" rounds="$4" name round ratio
    heavy_seed "$base" "$anime"
    heavy_scripts "$work"
    for name in plain heavy; do wrk -t2 -c64 -d3s -s "$work/$name.lua" "$base" > /dev/null; done
    : > "$work/ratios"
    for round in $(seq 1 "$rounds"); do
        for name in plain heavy; do
            wrk -t2 -c64 -d"$DURATION" --latency -s "$work/$name.lua" "$base" > "$work/$name.txt"
            printf 'round %d  %-6s %8.0f req/s  p50 %8s  p99 %8s\n' "$round" "$name" \
                "$(awk '/Requests\/sec/ {print $2}' "$work/$name.txt")" \
                "$(awk '$1 == "50%" {print $2}' "$work/$name.txt")" "$(awk '$1 == "99%" {print $2}' "$work/$name.txt")"
        done
        ratio=$(awk -v h="$(awk '/Requests\/sec/ {print $2}' "$work/heavy.txt")" \
            -v p="$(awk '/Requests\/sec/ {print $2}' "$work/plain.txt")" 'BEGIN {printf "%.3f", h / p}')
        echo "$ratio" >> "$work/ratios"
        echo "          heavy ÷ plain $ratio"
    done
    sort -n "$work/ratios" | awk '{a[NR] = $1} END {printf "heavy-load: median heavy ÷ plain over %d rounds: %s\n", NR, a[int((NR + 1) / 2)]}'
}

heavy_seed() {
    local base="$1" anime="$2" started
    started=$(date +%s)
    python3 - "$anime" "$base" <<'PY'
import csv, http.client, json, random, sys, time, urllib.parse
ids = [int(row[0]) for row in csv.reader(open(sys.argv[1], encoding="utf-8")) if row and row[0].isdigit()]
url = urllib.parse.urlsplit(sys.argv[2])
random.seed(11)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
def post(path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"heavy-load: {path} answered {response.status}")
now = int(time.time() * 1000)
for user in range(2001, 2101):
    for anime in random.sample(ids, 200):
        post("/dislikes", {"user_id": user, "anime_id": anime})
    for hour in range(40):
        post("/impressions", {"user_id": user, "anime_ids": random.sample(ids, 100), "at": now - hour * 3_600_000})
PY
    echo "heavy-load: 100 users given 200 dislikes and 4,000 exposures each in $(( $(date +%s) - started )) s"
}

heavy_scripts() {
    local work="$1" group name first
    for group in plain:1001 heavy:2001; do
        name=${group%%:*} first=${group##*:}
        printf 'math.randomseed(7)\nrequest = function() return wrk.format("GET", "/recommends/" .. math.random(%d, %d)) end\n' \
            "$first" "$((first + 99))" > "$work/$name.lua"
    done
}
