#!/usr/bin/env bash
# Fuzzes a running server with schemathesis against its own /openapi.json, on a small generated
# data set: no 5xx, every response matches the documented status codes, headers and schemas,
# invalid input is rejected, and undeclared methods get 405.
#
# positive_data_acceptance is excluded: the schema cannot say that `at` must not lie more than a
# day in the future, and the API rightly answers such events with 400.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${ANIMEREC_BIN:-.build/debug/animerec}"
PORT="${PORT:-18095}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-100}"
[ -x "$BIN" ] || swift build --product animerec
command -v schemathesis >/dev/null || python3 -m pip install --quiet "schemathesis==4.32.5"

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" generate --users 300 --anime 400 --ratings 20000 --seed 3 --out "$work/data" >/dev/null 2>&1
"$BIN" import --db "$work/db.sqlite" --anime "$work/data/anime.csv" --ratings "$work/data/rating.csv" >/dev/null 2>&1
"$BIN" rebuild --db "$work/db.sqlite" >/dev/null 2>&1
"$BIN" serve --db "$work/db.sqlite" --port "$PORT" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

status=0
schemathesis run "http://127.0.0.1:$PORT/openapi.json" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "$EXAMPLES" --seed 20261128 --request-timeout 5 --max-response-time 2 \
    || status=$?
if ! kill -0 "$server" 2>/dev/null; then
    echo "schemathesis.sh: the server died during the run" >&2
    tail -20 "$work/serve.log" >&2
    status=1
fi
exit "$status"
