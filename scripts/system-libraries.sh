#!/usr/bin/env bash
# Installs the C libraries the package links when they are missing: OpenBLAS and LAPACKE (the EASE
# model's linear algebra) and zlib. Needs apt-get and root on a machine without them; a no-op when
# the headers are present. Called by scripts/run.sh, scripts/test.sh and .ci/run.
set -euo pipefail
missing=()
[ -e /usr/include/lapacke.h ] || missing+=(liblapacke-dev)
compgen -G "/usr/include/cblas.h" >/dev/null || compgen -G "/usr/include/*/cblas.h" >/dev/null || missing+=(libopenblas-dev)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
[ "${#missing[@]}" = 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-libraries: install ${missing[*]} (or your system's OpenBLAS, LAPACKE and zlib headers)" >&2
    exit 1
fi
echo "system-libraries: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
