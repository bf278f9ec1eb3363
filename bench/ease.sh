#!/usr/bin/env bash
# EASE fit time beside a peer: animerec's fit (Gram matrix from the sparse rows, LAPACK Cholesky
# inverse through OpenBLAS) against numpy/scipy (sparse XᵀX, scipy's Cholesky through its LAPACK)
# on the same matrix (../shared/data likes, items with ≥ 20 interactions) with the same λ and dropout,
# in one run.
#
#   bench/ease.sh [RATINGS] [ANIME]        defaults: ../shared/data/likes.csv.gz ../shared/data/anime.csv
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ratings="${1:-../shared/data/likes.csv.gz}"
anime="${2:-../shared/data/anime.csv}"
lambda="${LAMBDA:-$(sed -n 's/.*public var lambda: Double = \([0-9.]*\).*/\1/p' Sources/AnimeRecTraining/Model/EASE.swift)}"
dropout="${DROPOUT:-$(sed -n 's/.*public var dropout: Double = \([0-9.]*\).*/\1/p' Sources/AnimeRecTraining/Model/EASE.swift)}"
support="$(sed -n 's/.*public var minimumSupport: Int = \([0-9]*\).*/\1/p' Sources/AnimeRecTraining/Model/EASE.swift)"
python3 -c "import numpy, scipy" 2>/dev/null || python3 -m pip install --quiet numpy scipy
scripts/system-libraries.sh
swift build -c release --product animerec 2>&1 | tail -1 >&2
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export ANIMEREC_STORE="sqlite:$out/ease.sqlite"
.build/release/animerec import --anime "$anime" --ratings "$ratings" > /dev/null 2>&1
/usr/bin/time -v .build/release/animerec rebuild > "$out/rebuild.log" 2>&1
ours="$(sed -n 's/^rebuild: ease fit in \([0-9.]*\) s.*/\1/p' "$out/rebuild.log")"
rebuild_seconds="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): \(.*\)/\1/p' "$out/rebuild.log")"
rebuild_peak="$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$out/rebuild.log")"
echo "animerec rebuild (whole, with the ranker): ${rebuild_seconds} wall, peak RSS $((rebuild_peak / 1024)) MB"
theirs_line="$(python3 bench/ease_numpy.py "$ratings" "$lambda" "$support" "$dropout")"
theirs="$(echo "$theirs_line" | sed -n 's/.*total \([0-9.]*\) s/\1/p')"
echo "animerec: ease fit ${ours} s (λ=$lambda, dropout $dropout, items with ≥ $support interactions)"
echo "$theirs_line"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio animerec / numpy: %.2f (below 1 = faster)\n", a / b }'
