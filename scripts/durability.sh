#!/usr/bin/env bash
# Nothing acknowledged is lost: 16 clients POST /clicks, /impressions and /dislikes (two, one and
# one in four) with their own event ids while the server is stopped, once with kill -9 and once
# with SIGTERM (graceful drain). After each stop the database must hold every event the server
# acknowledged with 200 (a click in user_events; an impression batch's exposure in
# user_impressions; a dislike's id in event_ids and its verdict in user_dislikes), and after SIGTERM
# the server must have exited cleanly.
#
#   scripts/durability.sh [DB]    DB: an existing database with a catalogue (default: a generated one)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${ANIMEREC_BIN:-.build/debug/animerec}"
PORT="${PORT:-18096}"
[ -x "$BIN" ] || swift build --product animerec
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
DB="${1:-}"
if [ -z "$DB" ]; then
    DB="$work/db.sqlite"
    "$BIN" generate --users 50 --anime 50 --ratings 500 --seed 5 --out "$work/data" >/dev/null 2>&1
    "$BIN" import --db "$DB" --anime "$work/data/anime.csv" >/dev/null 2>&1
fi

python3 - "$BIN" "$DB" "$PORT" <<'PY'
import http.client, json, os, signal, sqlite3, subprocess, sys, threading, time, uuid
binary, db, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
anime = sqlite3.connect(db).execute("SELECT min(anime_id) FROM anime").fetchone()[0]

def run(sig, name):
    server = subprocess.Popen([binary, "serve", "--db", db, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", "/health")
            if c.getresponse().status == 200: break
        except OSError:
            time.sleep(0.05)
    acked, disliked, shown, lock, stop = [], [], [], threading.Lock(), threading.Event()
    base = 800_000_000 + (0 if sig == signal.SIGKILL else 1_000)
    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        sent = 0
        while not stop.is_set():
            eid = str(uuid.uuid4())
            kind = ("clicks", "clicks", "impressions", "dislikes")[sent % 4]
            sent += 1
            body = {"user_id": base + n, "event_id": eid}
            if kind == "impressions":
                body["anime_ids"] = [anime]
            else:
                body["anime_id"] = anime
            try:
                conn.request("POST", "/" + kind, json.dumps(body), {"Content-Type": "application/json"})
                r = conn.getresponse(); r.read()
                if r.status == 200:
                    with lock: {"clicks": acked, "dislikes": disliked, "impressions": shown}[kind].append((base + n, eid))
                elif r.status != 503:
                    print(f"{name}: unexpected status {r.status}"); os._exit(1)
            except OSError:
                return
            except http.client.HTTPException:
                return
    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads: t.start()
    time.sleep(1.5)
    server.send_signal(sig)
    code = server.wait(timeout=30)
    stop.set()
    for t in threads: t.join()
    database = sqlite3.connect(db)
    stored = {row[0].hex() for row in database.execute(
        "SELECT event_id FROM user_events WHERE user_id BETWEEN ? AND ?", (base, base + 99))}
    ids = {row[0].hex() for row in database.execute("SELECT event_id FROM event_ids WHERE kind = 'dislike'")}
    verdicts = {row[0] for row in database.execute(
        "SELECT user_id FROM user_dislikes WHERE anime_id = ? AND user_id BETWEEN ? AND ?", (anime, base, base + 99))}
    exposed = {row[0] for row in database.execute(
        "SELECT user_id FROM user_impressions WHERE anime_id = ? AND user_id BETWEEN ? AND ?", (anime, base, base + 99))}
    missing = [e for _, e in acked if uuid.UUID(e).hex not in stored]
    missing += [e for user, e in shown if user not in exposed]
    missing += [e for user, e in disliked if uuid.UUID(e).hex not in ids or user not in verdicts]
    print(f"{name}: {len(acked)} clicks, {len(shown)} impression batches and {len(disliked)} dislikes acknowledged, "
          f"{len(missing)} missing after the stop, exit status {code}")
    ok = acked and disliked and shown and not missing and (sig == signal.SIGKILL or code == 0)
    if not ok:
        print(server.stderr.read().decode()[-2000:])
    return ok

results = [run(signal.SIGKILL, "kill -9"), run(signal.SIGTERM, "SIGTERM")]
sys.exit(0 if all(results) else 1)
PY
