#!/usr/bin/env bash
# The offline jobs on a 3-node Cassandra ring (replication 3, QUORUM, Cassandra's own timeouts)
# with the real catalogue: import ../shared/data/anime.csv with likes_sample.csv, then
#   1. a clean rebuild (run "clean"), made live; /sim and /recall answers of 20 titles and users kept;
#   2. a rebuild of run "resumed" killed with SIGKILL at 70 % of the clean rebuild's time (sooner
#      if it is writing by then): the live
#      run must still be "clean" and activating "resumed" must be refused; the same command again
#      finishes the run, which must then answer /sim and /recall exactly as "clean" did;
#   3. a rebuild of run "nodeloss" with node 2 killed as it starts reading: it must finish, complete
#      and live.
# Prints each step's seconds and the resumed/clean ratio (a figure, not a pass condition).
# CI runs it once (.ci/run); it takes about ten minutes on two cores.
#
#   scripts/ring-jobs.sh
#   RING_JOBS_BIN=path       binary (default .build/release/animerec, built when missing)
#   RING_JOBS_DATA=dir       where anime.csv and likes_sample.csv are (default ../shared/data)
#   RING_JOBS_TIMEOUT=2400   overall budget in seconds
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN="${RING_JOBS_BIN:-.build/release/animerec}"
DATA="${RING_JOBS_DATA:-../shared/data}"
BUDGET="${RING_JOBS_TIMEOUT:-2400}"
PORT=18131
export CASSANDRA_DIR="$PWD/.cassandra/ring-jobs"
STORE="cassandra://127.0.0.1,127.0.0.2,127.0.0.3/ringjobs?replication=3"

die() { echo "ring-jobs: error: $*" >&2; exit 1; }
info() { echo "ring-jobs: $*" >&2; }
[[ "$BUDGET" =~ ^[0-9]+$ ]] || die "RING_JOBS_TIMEOUT must be a whole number of seconds"
for file in anime.csv likes_sample.csv; do [ -f "$DATA/$file" ] || die "$DATA/$file is missing"; done
if [ ! -x "$BIN" ]; then
    [ -z "${RING_JOBS_BIN:-}" ] || die "RING_JOBS_BIN=$BIN is not an executable file"
    info "building $BIN"
    swift build -c release --product animerec
fi

work="$(mktemp -d)"
SERVER_PID=""
JOB_PID=""
deadline=$((SECONDS + BUDGET))
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    set +e
    for pid in "$JOB_PID" "$SERVER_PID"; do
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    done
    scripts/cassandra.sh stop >/dev/null 2>&1
    [ "$rc" = 0 ] || { for log in "$work"/*.log; do echo "--- $log (last 30 lines)" >&2; tail -n 30 "$log" >&2; done; }
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bounded() { # cap command...
    local cap="$1" left=$((deadline - SECONDS)); shift
    [ "$left" -gt 0 ] || die "overall budget of ${BUDGET}s spent"
    [ "$left" -lt "$cap" ] || left="$cap"
    timeout --kill-after=5 "$left" "$@"
}
now() { date +%s.%N; }
seconds_since() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.1f}")' "$1"; }
job() { # name cap args...: runs the binary, its output in $work/name.log
    local name="$1" cap="$2"; shift 2
    info "$name: animerec $*"
    bounded "$cap" "$BIN" "$@" --store "$STORE" > "$work/$name.log" 2>&1 || { tail -n 40 "$work/$name.log" >&2; die "$name failed"; }
}

# Serves the live run, writes /sim of 20 titles and /recall of 20 users to $1, and stops.
answers() {
    "$BIN" serve --store "$STORE" --port "$PORT" > "$work/serve.log" 2>&1 &
    SERVER_PID=$!
    python3 - "$PORT" "$1" <<'EOF'
import json, sys, time, urllib.request
port, out = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"
deadline = time.time() + 120
while True:
    try:
        with urllib.request.urlopen(base + "/ready", timeout=5) as r:
            ready = json.load(r)
            if ready.get("live_run"): break
    except Exception:
        pass
    if time.time() > deadline: sys.exit("the server was not ready within 120 s")
    time.sleep(0.5)
answers = {"live_run": ready["live_run"]}
for anime in [1, 5114, 9253, 11061, 32281, 820, 1575, 2904, 4181, 6547, 199, 164, 431, 30, 2001, 121, 9969, 918, 1535, 5081]:
    with urllib.request.urlopen(f"{base}/sim/{anime}?limit=20", timeout=30) as r:
        answers[f"sim/{anime}"] = [item["anime_id"] for item in json.load(r)]
for user in range(1, 201, 10):
    with urllib.request.urlopen(f"{base}/recall/{user}", timeout=30) as r:
        answers[f"recall/{user}"] = json.load(r)
json.dump(answers, open(out, "w"))
EOF
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

info "a fresh 3-node ring at Cassandra's own settings under $CASSANDRA_DIR"
scripts/cassandra.sh wipe >/dev/null 2>&1 || true
bounded 200 scripts/cassandra.sh start 3 >&2

job migrate 300 migrate
t=$(now); job import 900 import --anime "$DATA/anime.csv" --ratings "$DATA/likes_sample.csv"; import_s=$(seconds_since "$t")
grep -h "done" "$work/import.log" >&2 || true

t=$(now); job clean 1800 rebuild --run clean; clean_s=$(seconds_since "$t")
awk '/^run clean/ { show = 1 } show { print } /^  activate:/ { exit }' "$work/clean.log" >&2
answers "$work/clean.json"

# Killed at 70 % of the clean rebuild's time, or as soon as it has written its first neighbour
# lists if that comes sooner (a warm ring runs the second rebuild faster than the first).
kill_after=$(python3 -c "import sys; print(f'{0.7*float(sys.argv[1]):.1f}')" "$clean_s")
info "rebuild of run 'resumed', to be killed with SIGKILL at ${kill_after} s (70 % of ${clean_s} s) or once writing"
t=$(now)
"$BIN" rebuild --run resumed --store "$STORE" > "$work/killed.log" 2>&1 &
JOB_PID=$!
until grep -q "write neighbours: [0-9]" "$work/killed.log" \
    || python3 -c 'import sys,time; sys.exit(0 if time.time()-float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$t" "$kill_after"; do
    kill -0 "$JOB_PID" 2>/dev/null || die "the rebuild to be killed finished before it was killed"
    sleep 0.2
done
killed_s=$(seconds_since "$t")
kill -KILL "$JOB_PID"; wait "$JOB_PID" 2>/dev/null || true; JOB_PID=""
info "killed after ${killed_s} s; its last lines:"
tail -n 2 "$work/killed.log" >&2
if bounded 300 "$BIN" rebuild --activate resumed --store "$STORE" > "$work/refused.log" 2>&1; then
    die "a run killed part-way was made live"
fi
# Refused as incomplete, or as unknown when the kill came before the run's row was written.
grep -qE "not complete|no model run resumed" "$work/refused.log" \
    || { cat "$work/refused.log" >&2; die "activating the killed run failed for another reason"; }
info "activation of the killed run refused: $(grep -oE 'run resumed is not complete[^:]*|no model run resumed' "$work/refused.log" | head -1)"
t=$(now); job resumed 1800 rebuild --run resumed; resumed_s=$(seconds_since "$t")
grep -E "resuming|read when it started|^run resumed" "$work/resumed.log" >&2 || true
answers "$work/resumed.json"
python3 - "$work/clean.json" "$work/resumed.json" <<'EOF'
import json, sys
clean, resumed = (json.load(open(p)) for p in sys.argv[1:])
assert clean.pop("live_run") == "clean" and resumed.pop("live_run") == "resumed", "the wrong run was live"
differ = [k for k in clean if clean[k] != resumed.get(k)]
if differ:
    sys.exit(f"ring-jobs: the resumed run answers differently from the clean one for {differ}")
print(f"ring-jobs: the resumed run answers /sim and /recall exactly as the clean rebuild ({len(clean)} routes)", file=sys.stderr)
EOF

info "rebuild of run 'nodeloss' with node 2 killed as soon as it reads"
t=$(now)
"$BIN" rebuild --run nodeloss --store "$STORE" > "$work/nodeloss.log" 2>&1 &
JOB_PID=$!
until grep -q "read interactions" "$work/nodeloss.log"; do
    kill -0 "$JOB_PID" 2>/dev/null || break
    sleep 0.1
done
scripts/cassandra.sh kill 2 >&2
rc=0; bounded 2400 tail --pid="$JOB_PID" -f /dev/null || rc=$?
wait "$JOB_PID" || rc=$?; JOB_PID=""
nodeloss_s=$(seconds_since "$t")
[ "$rc" = 0 ] || { tail -n 40 "$work/nodeloss.log" >&2; die "the rebuild with a node down failed"; }
grep -E "^run nodeloss" "$work/nodeloss.log" >&2 || true
grep "^rebuild: ring load" "$work/nodeloss.log" | sed 's/^/ring-jobs: node loss: /' >&2 || true
bounded 200 scripts/cassandra.sh restart 2 >&2
answers "$work/nodeloss.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["live_run"]=="nodeloss", r["live_run"]' "$work/nodeloss.json" \
    || die "run nodeloss is not live"

ratio=$(python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$resumed_s" "$clean_s")
echo "ring-jobs: import ${import_s} s; clean rebuild ${clean_s} s; resumed after a kill at ${killed_s} s: ${resumed_s} s (${ratio} × clean); rebuild with node 2 down: ${nodeloss_s} s"
echo "ring-jobs: PASS"
