# The mixed load of bench/http.sh and bench/ab.sh, sourced by both so the two measure the same mix:
# reads and writes at once, as a site sees them. 64 connections (2 threads) on /recommends/{varied
# users} while 16 connections (1 thread) post clicks, both for DURATION.
#
#   mixed_load BASE_URL LUA_DIR CLICKS_OUT RECOMMENDS_OUT     (wrk --latency reports)
mixed_load() {
    local base="$1" lua="$2" clicks_out="$3" recommends_out="$4" writers
    wrk -t1 -c16 -d"$DURATION" --latency -s "$lua/clicks.lua" "$base/clicks" > "$clicks_out" &
    writers=$!
    wrk -t2 -c64 -d"$DURATION" --latency -s "$lua/recommends.lua" "$base/recommends/1" > "$recommends_out"
    wait "$writers"
}
