#!/usr/bin/env bash
# Builds the release executable from the committed Package.resolved and runs it with the given
# arguments: `scripts/run.sh demo`, `scripts/run.sh serve --port 8080`, …
#
# SwiftPM warns on every build that swift-distributed-tracing (a dependency of Hummingbird) ships
# CMakeLists.txt files among its sources; nothing in this package can declare them, so those six
# lines are left out here. Every other line of the build, warnings and errors included, is shown.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/system-libraries.sh
set +e
swift build -c release --product animerec --force-resolved-versions 2>&1 \
    | grep --line-buffered -v \
        -e "^warning: 'swift-distributed-tracing': found [0-9]* file(s) which are unhandled" \
        -e "/swift-distributed-tracing/Sources/.*/CMakeLists\.txt$"
status="${PIPESTATUS[0]}"
set -e
[ "$status" = 0 ] || exit "$status"
exec .build/release/animerec "$@"
