#!/usr/bin/env bash
# A clean rebuild, then a rebuild of another run killed with SIGKILL at 70 % of the clean one's
# time and resumed with the same --run: prints both times and their ratio. Needs a store that
# holds imported data (e.g. the keyspace bench/http.sh leaves on the local ring: start it again
# with scripts/cassandra.sh start 3).
#
#   bench/resume.sh 'cassandra://127.0.0.1,127.0.0.2,127.0.0.3/bench?replication=3'
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
STORE="${1:?usage: bench/resume.sh STORE_URL}"
BIN=".build/release/animerec"
OUT="bench/out"
mkdir -p "$OUT"
swift build -c release --product animerec 2>&1 | tail -1
stamp="$(date +%s)"
seconds_since() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.1f}")' "$1"; }

t=$(date +%s.%N)
"$BIN" rebuild --store "$STORE" --run "clean-$stamp" > "$OUT/resume-clean.log" 2>&1
clean=$(seconds_since "$t")
kill_at=$(python3 -c "import sys; print(f'{0.7*float(sys.argv[1]):.1f}')" "$clean")
echo "clean rebuild: $clean s; killing the next one at $kill_at s"

"$BIN" rebuild --store "$STORE" --run "resumed-$stamp" > "$OUT/resume-killed.log" 2>&1 &
pid=$!
sleep "$kill_at"
kill -KILL "$pid" 2>/dev/null || echo "the rebuild had finished before $kill_at s" >&2
wait "$pid" 2>/dev/null || true
echo "killed; its last line: $(grep -v ' info ' "$OUT/resume-killed.log" | tail -1)"

t=$(date +%s.%N)
"$BIN" rebuild --store "$STORE" --run "resumed-$stamp" > "$OUT/resume-resumed.log" 2>&1
resumed=$(seconds_since "$t")
grep -E "resuming|read when it started" "$OUT/resume-resumed.log" || true
echo "resumed: $resumed s = $(python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$resumed" "$clean") × the clean rebuild"
