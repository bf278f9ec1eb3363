#!/usr/bin/env bash
# Benchmark of the pure request pipeline (no store, no HTTP) with ordo-one/benchmark: wall time and
# malloc calls per request for /recall, /rank and /recommends over a Kaggle-sized synthetic run
# (Benchmarks/Pipeline). Builds in release; arguments go to `swift package benchmark`, e.g.
#
#   bench/pipeline.sh
#   bench/pipeline.sh --filter "/recommends.*"
#   bench/pipeline.sh baseline update before && ... && bench/pipeline.sh baseline compare before
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../Benchmarks"
swift package --allow-writing-to-package-directory benchmark "$@"
