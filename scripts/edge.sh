#!/usr/bin/env bash
# Connection discipline under hostile clients, on loopback, bounded in time: 3,000 connections that
# trickle one header line every 3 s (the server must keep /health under a second and close them
# within its head timeout), then a burst of 2,000 concurrent /recommends (only 200s and 503s, never
# a hang or a crash, healthy right after). See scripts/edge.py for the figures printed.
#
# These are time bounds, so they are checked on the build that ships: the release binary. A debug
# build accepts and parses about ten times slower, so on a 2-core machine its figures measure the
# compiler's optimiser rather than the server's connection discipline
# (docs/benchmarks/service.md, "The edge").
#
#   scripts/edge.sh            EDGE_BIN=path (default: .build/release/animerec, brought up to date
#                              with `swift build -c release` first), EDGE_PORT=18111
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${EDGE_BIN:-.build/release/animerec}"
PORT="${EDGE_PORT:-18111}"
if [ -z "${EDGE_BIN:-}" ]; then
    swift build -c release --product animerec --force-resolved-versions
fi
[ -x "$BIN" ] || { echo "edge: $BIN is not an executable file" >&2; exit 1; }
work="$(mktemp -d)"
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

"$BIN" generate --users 300 --anime 400 --ratings 15000 --seed 7 --out "$work/data" > /dev/null
"$BIN" import --db "$work/db.sqlite" --anime "$work/data/anime.csv" --ratings "$work/data/rating.csv" > /dev/null 2>&1
"$BIN" rebuild --db "$work/db.sqlite" > /dev/null 2>&1
ANIMEREC_IDLE_TIMEOUT=10 "$BIN" serve --db "$work/db.sqlite" --host 127.0.0.1 --port "$PORT" > "$work/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null || { tail -20 "$work/server.log" >&2; exit 1; }

status=0
timeout 120 python3 scripts/edge.py trickle --port "$PORT" --connections 3000 --interval 3 --head-timeout 10 || status=1
timeout 120 python3 scripts/edge.py burst --port "$PORT" --requests 2000 --users 300 || status=1
kill -0 "$SERVER" 2>/dev/null || { echo "edge: the server died" >&2; status=1; }
[ "$status" = 0 ] || { echo "edge: the server's last log lines:" >&2; tail -20 "$work/server.log" >&2; }
exit "$status"
