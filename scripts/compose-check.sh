#!/usr/bin/env bash
# Validate docker/compose.yaml with Debian's docker-compose (1.29; no Docker engine needed).
#
#   scripts/compose-check.sh
#
# Installs the `docker-compose` package with apt-get when the command is missing (needs root, as
# on the project's machines), then runs `docker-compose config -q`, which parses the file, checks
# it against the Compose schema and resolves anchors, profiles and depends_on conditions.
# If docker/nginx.conf is present and `nginx` is installed, its syntax is checked too (on a copy
# whose upstream host names are replaced by 127.0.0.1, since api1/api2 only resolve in compose).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
compose_file=docker/compose.yaml

if ! command -v docker-compose > /dev/null 2>&1; then
    echo "compose-check: installing docker-compose (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker-compose > /dev/null
fi

if docker-compose config --help 2>/dev/null | grep -q -- '--quiet'; then
    docker-compose -f "$compose_file" config -q
else
    docker-compose -f "$compose_file" config > /dev/null
fi

if [ -f docker/nginx.conf ] && command -v nginx > /dev/null 2>&1; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    sed -E 's/server api[0-9]+:/server 127.0.0.1:/' docker/nginx.conf > "$tmp/nginx.conf"
    nginx -t -q -c "$tmp/nginx.conf"
    echo "compose-check: docker/nginx.conf syntax is ok"
fi

echo "compose-check: $compose_file is valid"
