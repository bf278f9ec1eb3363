#!/usr/bin/env bash
# CQL client benchmark: prepared INSERT and SELECT with 1 and 64 requests in flight against a local
# Cassandra 1.2 node. Starts one node with scripts/cassandra.sh if none is running, builds CQLBench in
# release and prints ops/s, p50 and p99 per case.
#
#   bench/cql.sh [--count N] [--warmup N] [--hosts a,b,c] [--replication N] [--consistency one|quorum|…] [--concurrency 1,64]
#
# A node it starts itself lives under .cassandra/bench and is stopped at the end (BENCH_KEEP_NODE=1
# keeps it running).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hosts=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[$i]}" = "--hosts" ] && hosts="${args[$((i + 1))]:-}"
done
if [ -z "$hosts" ]; then
    if scripts/cassandra.sh status | grep -q "serves CQL"; then
        echo "bench: using the running test ring" >&2
        hosts="$(scripts/cassandra.sh status | awk '/serves CQL/ {print $3}' | paste -sd, -)"
    else
        # A one-node ring of its own, so it never clashes with the size of the test ring.
        export CASSANDRA_DIR="$PWD/.cassandra/bench"
        echo "bench: no node running; starting one under $CASSANDRA_DIR" >&2
        scripts/cassandra.sh start 1 >&2
        # Stop the node we started when the benchmark ends (BENCH_KEEP_NODE=1 keeps it).
        [ "${BENCH_KEEP_NODE:-0}" = 1 ] || trap 'scripts/cassandra.sh stop >&2' EXIT
        hosts="127.0.0.1"
    fi
    args+=(--hosts "$hosts")
fi

mkdir -p bench/out
echo "bench: building CQLBench (release)" >&2
swift build -c release --product CQLBench > bench/out/build.log 2>&1 || { tail -30 bench/out/build.log >&2; exit 1; }
echo "bench: $(swift build -c release --show-bin-path)/CQLBench ${args[*]}" >&2
"$(swift build -c release --show-bin-path)/CQLBench" "${args[@]}"
