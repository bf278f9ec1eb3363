#!/usr/bin/env bash
# Fault tolerance on Cassandra: the service keeps answering, with no 5xx and no lost acknowledged
# event (click or dislike), while one node of a 3-node ring (replication 3, QUORUM) is killed and restarted.
#
# Starts a fresh ring of its own under .cassandra/faults, migrates a new keyspace, imports a small
# the real catalogue (../shared/data: anime.csv, 12,294 titles, and likes_sample.csv, 2,000 users),
# rebuilds, serves on 127.0.0.1:$FAULTS_PORT and runs scripts/faultload.py
# (8 threads: ~45% GET /recommends, 25% GET /sim, 30% POST /clicks, a quarter of them POST /dislikes; 25 s timeout per request, past
# the store's 15 s request-path retry budget plus one 5 s attempt, so only a hang counts as a timeout) for
# FAULTS_SECONDS, killing node 2 at 1/5 of it and restarting it at 3/5. Then it re-posts every
# acknowledged event with its event id: each must answer "duplicate": true. Exit 0 only with no
# 5xx, no other failure and no missing event. Before the load, a second serve process on the same
# keyspace must see a click posted to the first at once (stateless replicas). Last, with its own
# ring, it kills nodes 2 and 3, then stops every node: from 5 s after the kill, /recommends,
# /rank, /recall and POST /clicks must answer 503 with Retry-After within 2 s, and /sim,
# /anime/{id}, search, facets and trending 200 from the loaded run with an Age header; /health 200.
#
#   scripts/faults.sh
#   FAULTS_SECONDS=75         load duration (kill at FAULTS_KILL_AT, default 1/5 of it; restart at
#                             FAULTS_RESTART_AT, default 3/5)
#   FAULTS_BIN=path           binary to test (default .build/release/animerec, built when missing)
#   FAULTS_PORT=18097         HTTP port of the server under test
#   FAULTS_NODE=2             the node killed and restarted
#   FAULTS_DATA=dir           where anime.csv and likes_sample.csv are (default ../shared/data)
#   FAULTS_WORKERS=8          load threads
#   FAULTS_REQUEST_TIMEOUT=25 seconds a load request may take before it counts as a timeout
#   FAULTS_TIMEOUT=900        overall budget in seconds for everything after the build
#   FAULTS_CASSANDRA_DIR=dir  where the script's own ring lives (default .cassandra/faults)
#   FAULTS_SKIP_RING=1        use the running ring in CASSANDRA_HOSTS instead; node kill/restart
#                             then go to the ring under CASSANDRA_DIR (scripts/cassandra.sh's
#                             default when unset), and the ring is left running, node restarted
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# This script's own ring still convicts a killed node fast (phi 5, 2 s coordinator timeouts): the
# request path's retry budget (15 s) is sized for that. At Cassandra's own settings
# (CASSANDRA_FAST_FAILOVER=0) the ring itself stalls: 1.2's coordinators keep sending QUORUM reads
# to the killed replica until gossip convicts it (~18 s at phi 8) and have no speculative retry,
# so requests begun in the first seconds after the kill wait that long whatever the client does
# (docs/benchmarks/ring.md, "A node loss at Cassandra's own settings"). Every other ring of the
# project runs at Cassandra's defaults.
export CASSANDRA_FAST_FAILOVER="${CASSANDRA_FAST_FAILOVER:-1}"

BIN="${FAULTS_BIN:-.build/release/animerec}"
PORT="${FAULTS_PORT:-18097}"
LOAD_SECONDS="${FAULTS_SECONDS:-75}"
NODE="${FAULTS_NODE:-2}"
WORKERS="${FAULTS_WORKERS:-8}"
REQUEST_TIMEOUT="${FAULTS_REQUEST_TIMEOUT:-25}"
DATA="${FAULTS_DATA:-../shared/data}"
for file in anime.csv likes_sample.csv; do [ -f "$DATA/$file" ] || { echo "faults: error: $DATA/$file is missing (FAULTS_DATA)" >&2; exit 1; }; done
ANIME_CSV="$DATA/anime.csv"
# The sample's user ids run from 1 to this; the load's users are drawn from that range.
USERS="$(python3 -c 'import csv, sys; print(max(int(r[0]) for r in csv.reader(open(sys.argv[1])) if r and r[0].isdigit()))' "$DATA/likes_sample.csv")"
BUDGET="${FAULTS_TIMEOUT:-900}"
SKIP_RING="${FAULTS_SKIP_RING:-0}"

die() { echo "faults: error: $*" >&2; exit 1; }
info() { echo "faults: $*" >&2; }
is_int() { [[ "$1" =~ ^[0-9]+$ ]]; }

for var in PORT LOAD_SECONDS NODE WORKERS BUDGET REQUEST_TIMEOUT; do
    is_int "${!var}" || die "$var must be a whole number, got '${!var}'"
done
KILL_AT="${FAULTS_KILL_AT:-$((LOAD_SECONDS / 5))}"
RESTART_AT="${FAULTS_RESTART_AT:-$((LOAD_SECONDS * 3 / 5))}"
if ! is_int "$KILL_AT" || ! is_int "$RESTART_AT"; then die "FAULTS_KILL_AT and FAULTS_RESTART_AT must be whole numbers"; fi
[ "$LOAD_SECONDS" -ge 5 ] || die "FAULTS_SECONDS must be at least 5"
if [ "$KILL_AT" -ge "$RESTART_AT" ] || [ "$RESTART_AT" -ge "$LOAD_SECONDS" ]; then
    die "need FAULTS_KILL_AT ($KILL_AT) < FAULTS_RESTART_AT ($RESTART_AT) < FAULTS_SECONDS ($LOAD_SECONDS)"
fi
if [ "$NODE" -lt 1 ] || [ "$NODE" -gt 9 ]; then die "FAULTS_NODE must be 1..9"; fi
if [ "$WORKERS" -lt 1 ] || [ "$WORKERS" -gt 64 ]; then die "FAULTS_WORKERS must be 1..64"; fi
command -v python3 >/dev/null || die "python3 is required"
command -v timeout >/dev/null || die "timeout (coreutils) is required"

if [ ! -x "$BIN" ]; then
    [ -z "${FAULTS_BIN:-}" ] || die "FAULTS_BIN=$BIN is not an executable file"
    info "building $BIN"
    swift build -c release --product animerec
fi
[ -x "$BIN" ] || die "$BIN is missing after the build"

# Every step below is bounded by what is left of the overall budget (and by its own cap).
deadline=$((SECONDS + BUDGET))
bounded() { # cap-seconds command...
    local cap="$1" left=$((deadline - SECONDS)); shift
    if [ "$left" -le 0 ]; then echo "faults: overall timeout of ${BUDGET}s reached" >&2; return 124; fi
    [ "$left" -lt "$cap" ] || left="$cap"
    timeout --kill-after=5 "$left" "$@"
}
step() { # name cap-seconds command...: runs it with its output in $work/<name>.log, shown on failure
    local name="$1" cap="$2" rc=0 log; shift 2
    log="$work/step-${name//[^a-zA-Z0-9]/_}.log"
    info "$name"
    bounded "$cap" "$@" > "$log" 2>&1 || rc=$?
    if [ "$rc" != 0 ]; then
        tail -n 40 "$log" >&2 || true
        [ "$rc" != 124 ] || echo "faults: '$name' timed out" >&2
        die "'$name' failed (exit status $rc)"
    fi
}
# 0 when something accepts TCP connections on host:port.
listening() {
    python3 -c 'import socket,sys
try: socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError: sys.exit(1)' "$1" "$2"
}
stamp() { echo "$(date +%s.%N) $*" >> "$work/events"; }

work="$(mktemp -d)"
SERVER_LOG="$work/server.log"
SERVER_PID=""
REPLICA_PID=""
LOAD_PID=""
started_ring=0
node_down=0
report_shown=0

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    set +e
    if [ -n "$LOAD_PID" ] && kill -0 "$LOAD_PID" 2>/dev/null; then kill "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null; fi
    if [ -n "$REPLICA_PID" ] && kill -0 "$REPLICA_PID" 2>/dev/null; then kill -KILL "$REPLICA_PID" 2>/dev/null; wait "$REPLICA_PID" 2>/dev/null; fi
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [ "$rc" != 0 ] && [ "$report_shown" = 0 ] && [ -s "$SERVER_LOG" ]; then
        echo "--- server log (last 200 lines of $SERVER_LOG)" >&2
        tail -n 200 "$SERVER_LOG" >&2
    fi
    if [ "$started_ring" = 1 ]; then
        scripts/cassandra.sh stop >/dev/null 2>&1 || echo "faults: could not stop the ring under $CASSANDRA_DIR" >&2
    elif [ "$node_down" = 1 ]; then
        echo "faults: restarting node $NODE of the ring under ${CASSANDRA_DIR:-.cassandra} again" >&2
        timeout --kill-after=5 180 scripts/cassandra.sh restart "$NODE" >&2 || echo "faults: node $NODE did not come back" >&2
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the ring
valid_hosts() { # comma-separated hosts: loopback 127.0.0.x only
    local h list; IFS=, read -ra list <<< "$1"
    [ "${#list[@]}" -gt 0 ] || return 1
    for h in "${list[@]}"; do [[ "$h" =~ ^127\.0\.0\.[0-9]{1,3}$ ]] || return 1; done
}
if [ "$SKIP_RING" = 1 ]; then
    HOSTS="${CASSANDRA_HOSTS:-}"
    [ -n "$HOSTS" ] || die "FAULTS_SKIP_RING=1 needs CASSANDRA_HOSTS (e.g. 127.0.0.1,127.0.0.2,127.0.0.3)"
    valid_hosts "$HOSTS" || die "CASSANDRA_HOSTS must list loopback hosts 127.0.0.x only, got '$HOSTS'"
    [[ ",$HOSTS," == *",127.0.0.$NODE,"* ]] || info "warning: node $NODE (127.0.0.$NODE) is not in CASSANDRA_HOSTS=$HOSTS"
    scripts/cassandra.sh status | grep -q "^node $NODE .*serves CQL" \
        || die "node $NODE of the ring under ${CASSANDRA_DIR:-.cassandra} is not serving CQL; FAULTS_SKIP_RING=1 needs the CASSANDRA_DIR of the running ring"
    info "using the running ring $HOSTS (node control under ${CASSANDRA_DIR:-.cassandra})"
else
    CASSANDRA_DIR="${FAULTS_CASSANDRA_DIR:-$PWD/.cassandra/faults}"
    mkdir -p "$CASSANDRA_DIR"
    CASSANDRA_DIR="$(cd "$CASSANDRA_DIR" && pwd)"
    [ "$CASSANDRA_DIR" != "$PWD/.cassandra" ] || die "FAULTS_CASSANDRA_DIR must not be the default ring's folder $PWD/.cassandra"
    export CASSANDRA_DIR
    for n in 1 2 3; do
        for port in 9042 7000; do
            ! listening "127.0.0.$n" "$port" || die "something already listens on 127.0.0.$n:$port (another ring?); stop it, or run with FAULTS_SKIP_RING=1 CASSANDRA_HOSTS=... CASSANDRA_DIR=<its folder>"
        done
    done
    [ "$NODE" -le 3 ] || die "FAULTS_NODE must be 1..3 for the script's own 3-node ring"
    step "wipe ring under $CASSANDRA_DIR" 120 scripts/cassandra.sh wipe
    started_ring=1
    step "start 3-node ring" 400 scripts/cassandra.sh start 3
    HOSTS="$(scripts/cassandra.sh hosts)"
fi

! listening 127.0.0.1 "$PORT" || die "something already listens on 127.0.0.1:$PORT; set FAULTS_PORT"

# ---- keyspace, data, model run
KEYSPACE="${FAULTS_KEYSPACE:-faults_$(date +%s)_$$}"
[[ "$KEYSPACE" =~ ^[a-z][a-z0-9_]{0,47}$ ]] || die "bad keyspace name '$KEYSPACE'"
STORE="cassandra://$HOSTS/$KEYSPACE?replication=3"
info "store $STORE"
step migrate 180 "$BIN" migrate --store "$STORE"
step import 600 "$BIN" import --store "$STORE" --anime "$ANIME_CSV" --ratings "$DATA/likes_sample.csv"
step rebuild 600 "$BIN" rebuild --store "$STORE"

# ---- the server
info "serve on 127.0.0.1:$PORT (log $SERVER_LOG)"
"$BIN" serve --store "$STORE" --host 127.0.0.1 --port "$PORT" > "$SERVER_LOG" 2>&1 &
SERVER_PID=$!
step "wait for /health and /ready" 130 python3 scripts/faultload.py wait --port "$PORT" --pid "$SERVER_PID" --timeout 120

# ---- two replicas: a second serve process on the same keyspace sees a click posted to the first at once
REPLICA_PORT=$((PORT + 1))
! listening 127.0.0.1 "$REPLICA_PORT" || die "something already listens on 127.0.0.1:$REPLICA_PORT; set FAULTS_PORT"
"$BIN" serve --store "$STORE" --host 127.0.0.1 --port "$REPLICA_PORT" > "$work/replica.log" 2>&1 &
REPLICA_PID=$!
step "wait for the second replica" 130 python3 scripts/faultload.py wait --port "$REPLICA_PORT" --pid "$REPLICA_PID" --timeout 120
step "a click on one replica changes the other's /recommends" 60 python3 - "$PORT" "$REPLICA_PORT" <<'PY'
import json, sys, urllib.request
first, second = (f"http://127.0.0.1:{port}" for port in sys.argv[1:3])
def get(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.loads(response.read())
user = 990001  # no history in the sample
before = [item["anime_id"] for item in get(second, f"/recommends/{user}?limit=20")]
assert before == [item["anime_id"] for item in get(first, f"/recommends/{user}?limit=20")], "replicas disagree"
clicked = before[0]
request = urllib.request.Request(first + "/clicks", method="POST", data=json.dumps({"user_id": user, "anime_id": clicked}).encode(),
                                 headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    assert response.status == 200
after = get(second, f"/recommends/{user}?limit=20")
assert clicked not in [item["anime_id"] for item in after], "the other replica still recommends the clicked title"
assert any(item["reason"]["kind"] == "similar_to" and item["reason"].get("anime_id") == clicked for item in after), after[:3]
print(f"faults: replicas: a click on :{sys.argv[1]} changed /recommends on :{sys.argv[2]} at once")
PY
cat "$work/step-a_click_on_one_replica_changes_the_other_s__recommends.log" >&2
kill -TERM "$REPLICA_PID" 2>/dev/null; wait "$REPLICA_PID" 2>/dev/null || true
REPLICA_PID=""

# ---- load, with node $NODE killed and restarted while it runs
: > "$work/events"
python3 scripts/faultload.py load --port "$PORT" --seconds "$LOAD_SECONDS" --workers "$WORKERS" --timeout "$REQUEST_TIMEOUT" \
    --anime-file "$ANIME_CSV" --users "$USERS" \
    --state "$work/state.json" --started "$work/started" &
LOAD_PID=$!
for _ in $(seq 1 300); do
    [ ! -f "$work/started" ] || break
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
done
[ -f "$work/started" ] || die "the load driver did not start"
sleep_until() { # seconds after the load start
    local pause
    pause="$(python3 -c 'import sys,time; print(f"{max(0.0, float(open(sys.argv[1]).read()) + float(sys.argv[2]) - time.time()):.2f}")' \
        "$work/started" "$1")"
    sleep "$pause"
}
fault_problems=()

sleep_until "$KILL_AT"
info "t=${KILL_AT}s: kill node $NODE"
if out="$(bounded 60 scripts/cassandra.sh kill "$NODE" 2>&1)" && [[ "$out" == *stopped* ]]; then
    node_down=1
    stamp "kill node $NODE"
else
    fault_problems+=("node $NODE was not killed (was it running?): $out")
fi

sleep_until "$RESTART_AT"
if [ "$node_down" = 1 ]; then
    info "t=${RESTART_AT}s: restart node $NODE"
    stamp "restart node $NODE"
    if bounded 180 scripts/cassandra.sh restart "$NODE" > "$work/restart.log" 2>&1; then
        node_down=0
        stamp "node $NODE serves CQL"
    else
        tail -n 20 "$work/restart.log" >&2 || true
        fault_problems+=("node $NODE did not serve CQL again after the restart")
    fi
fi

load_rc=0
wait "$LOAD_PID" || load_rc=$?
LOAD_PID=""
[ "$load_rc" = 0 ] || die "the load driver failed (exit status $load_rc)"

# ---- every acknowledged click must be stored; the report
verify_rc=0
bounded 400 python3 scripts/faultload.py verify --state "$work/state.json" --events "$work/events" \
    > "$work/report.txt" || verify_rc=$?
if [ "$verify_rc" != 0 ] || [ "${#fault_problems[@]}" -gt 0 ]; then
    if [ -s "$SERVER_LOG" ]; then
        echo "--- server log (last 200 lines)"
        tail -n 200 "$SERVER_LOG"
        echo "---"
    fi
fi
report_shown=1
for problem in "${fault_problems[@]}"; do echo "faults: fault injection problem: $problem"; done
cat "$work/report.txt"
[ -s "$work/report.txt" ] || die "the verification wrote no report (exit status $verify_rc)"
if [ "${#fault_problems[@]}" -gt 0 ]; then
    echo "faults: FAIL: node $NODE was not killed and restarted as planned, so the run proves nothing"
    exit 1
fi
[ "$verify_rc" = 0 ] || exit 1

# ---- two of three nodes killed, then every node stopped (own ring only): from 5 s after the kill,
# routes that must read the store answer 503 with Retry-After within 2 s (the client knows the
# quorum is gone and sends nothing), routes whose answer is in memory keep answering from the
# loaded run with an Age header, and the service itself stays up
if [ "$started_ring" = 1 ]; then
    outage_check() { # label
        bounded 120 python3 - "$PORT" "$1" "$ANIME_CSV" <<'PY'
import csv, http.client, json, sys, time
port, label, anime_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(anime_file, newline="", encoding="utf-8") as f:
    anime_id = int(next(csv.DictReader(f))["anime_id"])
def call(method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
    start = time.monotonic()
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
    response = conn.getresponse()
    payload = response.read()
    return response.status, response.getheader("Retry-After"), response.getheader("Age"), payload, time.monotonic() - start
problems = []
# Routes that read the user: 503 store_unavailable with Retry-After, within 2 s.
for method, path, body in [("GET", "/recommends/5", None), ("GET", "/rank/5", None), ("GET", "/recall/5", None),
                           ("POST", "/clicks", json.dumps({"user_id": 5, "anime_id": anime_id}))]:
    status, retry, _, payload, took = call(method, path, body)
    code = json.loads(payload or b"{}").get("error", {}).get("code")
    print(f"faults: {label}: {method} {path}: {status} {code}, Retry-After {retry}, {took * 1000:.0f} ms")
    if status != 503 or not retry or code != "store_unavailable" or took > 2:
        problems.append(f"{method} {path} ({status} {code} in {took:.1f} s)")
# Routes whose answer is in memory: 200 with Age (seconds since the data was current).
for path in [f"/sim/{anime_id}", f"/anime/{anime_id}", "/anime?query=a", "/facets", "/trending"]:
    status, _, age, payload, took = call("GET", path)
    print(f"faults: {label}: GET {path}: {status}, Age {age}, {took * 1000:.0f} ms")
    if status != 200 or age is None or not age.isdigit() or took > 2:
        problems.append(f"GET {path} ({status}, Age {age}, {took:.1f} s)")
status, _, _, _, took = call("GET", "/health")
print(f"faults: {label}: GET /health: {status} in {took * 1000:.0f} ms")
if status != 200:
    problems.append("/health")
if problems:
    print(f"faults: FAIL: {label}: " + "; ".join(problems))
    sys.exit(1)
print(f"faults: {label}: PASS")
PY
    }
    info "kill nodes 2 and 3: from 5 s on, 503 within 2 s where the store is needed, answers from memory elsewhere"
    scripts/cassandra.sh kill 2 >/dev/null 2>&1 || true
    scripts/cassandra.sh kill 3 >/dev/null 2>&1 || true
    sleep 5
    outage_check "two of three nodes killed, 5 s on"
    # Past the pointer's bound and the client's reconnection attempts: still the same answers.
    sleep 10
    outage_check "two of three nodes killed, 15 s on"
    info "stop every node"
    scripts/cassandra.sh stop >/dev/null 2>&1 || true
    outage_check "every node down"
fi
exit 0
