#!/usr/bin/env bash
# Users with many signals against plain users, side by side on one server over a copy of
# bench/out/bench.sqlite (made by bench/http.sh): the load of bench/heavy-load.sh, ROUNDS rounds.
#
#   bench/heavy-users.sh BIN ROUNDS        e.g. bench/heavy-users.sh .build/release/animerec 3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/heavy-load.sh
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

heavy_load "http://127.0.0.1:$PORT" "$DATA/anime.csv" "$work" "$ROUNDS"
