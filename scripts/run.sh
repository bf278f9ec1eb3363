#!/usr/bin/env bash
# Builds the release executable from the committed Package.resolved and runs it with the given
# arguments: `scripts/run.sh demo`, `scripts/run.sh serve --port 8080`, …
#
# SwiftPM warns on every build that swift-distributed-tracing (a dependency of Hummingbird) ships
# CMakeLists.txt files among its sources; nothing in this package can declare them, so those six
# lines are left out here. Every other line of the build, warnings and errors included, is shown.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
set +e
swift build -c release --product animerec --force-resolved-versions 2>&1 | awk '
    /^warning: .swift-distributed-tracing.: found [0-9]+ file\(s\) which are unhandled/ { skip = 1; next }
    skip && /swift-distributed-tracing\/Sources\/.*CMakeLists\.txt$/ { skip = 0; next }
    { skip = 0; print; fflush() }'
status="${PIPESTATUS[0]}"
set -e
[ "$status" = 0 ] || exit "$status"
exec .build/release/animerec "$@"
