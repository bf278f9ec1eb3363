#!/usr/bin/env bash
# Data safety on a full disk: the SQLite file lives on a small tmpfs that is then filled up.
# POST /clicks must answer 503 (with Retry-After) once writes fail, never 500 or a crash; when
# space returns the service must accept clicks again by itself; and every click it acknowledged
# must still be stored (re-posted with its event id, each answers "duplicate": true).
#
#   scripts/diskfull.sh      DISKFULL_BIN=path (default .build/debug/animerec), DISKFULL_PORT=18133,
#                            DISKFULL_MODE=tmpfs|inject (default tmpfs, falling back to inject)
# tmpfs needs root (mount). Where mounting is not allowed it says so and injects the failure
# instead: scripts/diskfull/enospc.c, built here and loaded with LD_PRELOAD into the server, makes
# writes to the SQLite files fail with ENOSPC while a flag file exists ("full") and succeed again
# once it is removed ("space back"); the rest of the test is the same.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${DISKFULL_BIN:-.build/debug/animerec}"
PORT="${DISKFULL_PORT:-18133}"
[ -x "$BIN" ] || swift build --product animerec
work="$(mktemp -d)"
SERVER=""
cleanup() {
    [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
    [ -z "$SERVER" ] || wait "$SERVER" 2>/dev/null || true
    umount "$work/fs" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/fs"
MODE="${DISKFULL_MODE:-tmpfs}"
case "$MODE" in tmpfs|inject) ;; *) echo "diskfull: DISKFULL_MODE must be tmpfs or inject" >&2; exit 2 ;; esac
if [ "$MODE" = tmpfs ] && ! mount -t tmpfs -o size=6m tmpfs "$work/fs" 2>/dev/null; then
    echo "diskfull: this machine does not allow mounting a small file system; injecting ENOSPC instead" >&2
    MODE=inject
fi
PRELOAD=""
if [ "$MODE" = inject ]; then
    command -v cc >/dev/null || { echo "diskfull: a C compiler (cc) is needed to build the ENOSPC shim" >&2; exit 1; }
    cc -shared -fPIC -O2 -o "$work/enospc.so" scripts/diskfull/enospc.c -ldl
    PRELOAD="$work/enospc.so"
fi
echo "diskfull: mode $MODE" >&2
"$BIN" generate --users 50 --anime 60 --ratings 800 --seed 3 --out "$work/data" > /dev/null 2>&1
"$BIN" import --db "$work/fs/db.sqlite" --anime "$work/data/anime.csv" --ratings "$work/data/rating.csv" > /dev/null 2>&1
ENOSPC_FLAG_FILE="$work/full" LD_PRELOAD="$PRELOAD" \
    "$BIN" serve --db "$work/fs/db.sqlite" --host 127.0.0.1 --port "$PORT" > "$work/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.1; done

timeout 180 python3 - "$PORT" "$work/fs" "$work/data/anime.csv" "$MODE" "$work/full" <<'PY'
import csv, http.client, json, os, sys, time, uuid
port, fs, anime_file, mode, flag = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
anime = [int(r["anime_id"]) for r in csv.DictReader(open(anime_file))]

def post(event_id, user, item):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("POST", "/clicks", json.dumps({"user_id": user, "anime_id": item, "event_id": event_id}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.getheader("Retry-After"), r.read()
    finally:
        c.close()

acked, statuses = {}, {}
def burst(n, label):
    got = {}
    for i in range(n):
        eid, user, item = str(uuid.uuid4()), 1 + i % 50, anime[i % len(anime)]
        status, retry, body = post(eid, user, item)
        got[status] = got.get(status, 0) + 1
        if status == 200:
            acked[eid] = (user, item)
        elif status == 503 and retry is None:
            got["503 without Retry-After"] = got.get("503 without Retry-After", 0) + 1
    print(f"diskfull: {label}: " + ", ".join(f"{k}: {v}" for k, v in got.items()))
    return got

before = burst(200, "with space")
if mode == "tmpfs":
    # Fill the file system to the last byte.
    fd = os.open(os.path.join(fs, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):  # down to the last byte
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
else:
    open(flag, "w").close()  # the shim now fails every write to the SQLite files with ENOSPC
full = burst(400, "disk full")
os.remove(os.path.join(fs, "filler") if mode == "tmpfs" else flag)
time.sleep(0.5)
after = burst(200, "space back")
missing = 0
for eid, (user, item) in acked.items():
    status, _, body = post(eid, user, item)
    if status != 200 or not json.loads(body).get("duplicate"):
        missing += 1
print(f"diskfull: {len(acked)} clicks acknowledged, {missing} missing afterwards")
bad = [k for k in list(before) + list(full) + list(after) if k not in (200, 503)]
ok = not bad and full.get(503, 0) > 0 and after.get(200, 0) == 200 and missing == 0
print("diskfull: " + ("PASS" if ok else f"FAIL (unexpected answers {bad})"))
sys.exit(0 if ok else 1)
PY
status=$?
kill -0 "$SERVER" 2>/dev/null || { echo "diskfull: the server died" >&2; tail -20 "$work/server.log" >&2; exit 1; }
exit "$status"
