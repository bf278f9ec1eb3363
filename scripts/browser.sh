#!/usr/bin/env bash
# The web front end in a real browser: generates a small demo data set, imports and rebuilds it,
# serves it on 127.0.0.1:$BROWSER_PORT and runs scripts/browser/test_frontend.py (pytest, Selenium,
# headless Chromium). Screenshots at 375 px and 1440 px go to $SCREENSHOT_DIR (printed at the end).
#
#   scripts/browser.sh     BROWSER_BIN=path (default .build/debug/animerec), BROWSER_PORT=18151,
#                          SCREENSHOT_DIR=dir (default a new temporary folder)
# Needs Debian's chromium and chromium-driver and PyPI's selenium and pytest (.ci/run installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${BROWSER_BIN:-.build/debug/animerec}"
PORT="${BROWSER_PORT:-18151}"
[ -x "$BIN" ] || swift build --product animerec
for tool in chromium chromedriver; do
    command -v "$tool" >/dev/null || { echo "browser: $tool is missing (apt-get install chromium chromium-driver)" >&2; exit 1; }
done
python3 -c "import selenium, pytest" 2>/dev/null || { echo "browser: pip install selenium pytest" >&2; exit 1; }

work="$(mktemp -d)"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$(mktemp -d /tmp/animerec-screenshots.XXXXXX)}"
SERVER=""
cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
    [ -z "$SERVER" ] || wait "$SERVER" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$BIN" generate --users 300 --anime 400 --ratings 15000 --seed 11 --out "$work/data" > /dev/null
"$BIN" import --db "$work/db.sqlite" --anime "$work/data/anime.csv" --ratings "$work/data/rating.csv" > /dev/null 2>&1
"$BIN" rebuild --db "$work/db.sqlite" > /dev/null 2>&1
"$BIN" serve --db "$work/db.sqlite" --host 127.0.0.1 --port "$PORT" > "$work/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null || { echo "browser: the server did not get ready" >&2; cat "$work/server.log" >&2; exit 1; }

rc=0
ANIMEREC_URL="http://127.0.0.1:$PORT" timeout 600 python3 -m pytest -q -p no:cacheprovider -s scripts/browser/test_frontend.py || rc=$?
echo "browser: screenshots in $SCREENSHOT_DIR"
if [ "$rc" != 0 ]; then
    echo "--- server log (last 50 lines)" >&2
    tail -n 50 "$work/server.log" >&2
fi
exit "$rc"
