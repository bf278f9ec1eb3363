#!/usr/bin/env bash
# Benchmark of the pure request pipeline (no store, no HTTP): wall time and allocations per request
# over a Kaggle-sized synthetic run (Sources/PipelineBench). Builds in release, preloads the malloc
# counter in bench/malloc-count.c.
#
#   bench/pipeline.sh [--requests 2000] [--rounds 7]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p bench/out
command -v gcc >/dev/null || { echo "bench/pipeline.sh: gcc is required for the malloc counter" >&2; exit 1; }
gcc -O2 -shared -fPIC -o bench/out/malloc-count.so bench/malloc-count.c
swift build -c release --product PipelineBench 2>&1 | tail -1
LD_PRELOAD="$PWD/bench/out/malloc-count.so" .build/release/PipelineBench "$@"
