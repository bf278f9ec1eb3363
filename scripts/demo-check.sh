#!/usr/bin/env bash
# The first run as a new user meets it: `animerec demo` on an empty database, its whole console
# output sent to a file, then every example the README (and the search box) gives, asked of it.
#
# Fails when a console line is printed twice or out of order (the demo's own steps must come in
# the order they happen, the banner last), or when an example answers anything but a 200 with
# titles: the README's API examples (`/recommends/42?…`, `/recommends?items=…`), its deep links (`/?user=42`,
# `/?anime=5114`, `/?q=gintama&genre=Comedy`, asked of the API routes the page calls for them)
# and the search box's placeholder ("e.g. Steins;Gate").
#
#   scripts/demo-check.sh      DEMO_BIN=path (default: .build/release/animerec, brought up to date
#                              with `swift build -c release` first), DEMO_PORT=18171
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${DEMO_BIN:-.build/release/animerec}"
PORT="${DEMO_PORT:-18171}"
if [ -z "${DEMO_BIN:-}" ]; then
    swift build -c release --product animerec --force-resolved-versions
fi
[ -x "$BIN" ] || { echo "demo-check: $BIN is not an executable file" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
work="$(mktemp -d)"
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$work"' EXIT

started=$(date +%s)
(cd "$work" && exec "$BIN" demo --db demo.sqlite --port "$PORT" > console.log 2>&1) &
SERVER=$!
for _ in $(seq 1 600); do
    grep -q "^Stop with Ctrl-C" "$work/console.log" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$work/console.log" >&2; echo "demo-check: the demo exited" >&2; exit 1; }
    sleep 0.5
done
grep -q "^Stop with Ctrl-C" "$work/console.log" || { cat "$work/console.log" >&2; echo "demo-check: no banner in 300 s" >&2; exit 1; }
echo "demo-check: the demo served after $(( $(date +%s) - started )) s"

python3 - "$work/console.log" "$PORT" README.md Sources/AnimeRecServer/Web/index.html <<'EOF'
import json, re, sys, urllib.parse, urllib.request

log, port, readme, page = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{port}"
lines = open(log, encoding="utf-8").read().splitlines()
failures = []

# Once each: the log's own lines carry a timestamp; every other line must be unique.
seen = set()
for line in lines:
    if line.strip() and line in seen:
        failures.append(f"printed twice: {line!r}")
    seen.add(line)

# In order: the demo's steps as they happen, the banner last.
steps = [r"^empty database: importing the real catalogue", r"^import anime: done, 12,294 rows",
         r"^generate ratings: done", r"^import ratings: done", r"^rebuild: writing run",
         r"^run \S+ live: ", r"^ranker: ", r"^  activate: ", r"Server started and listening",
         r"^animerec is serving ", r"^Stop with Ctrl-C"]
position = -1
for step in steps:
    found = next((i for i, line in enumerate(lines) if re.search(step, line)), None)
    if found is None:
        failures.append(f"missing line /{step}/")
    elif found < position:
        failures.append(f"out of order: /{step}/ (line {found + 1}) comes before the step above it")
    else:
        position = found

def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.status == 200, f"{path}: {response.status}"
        return json.load(response)

def titles(path):
    body = get(path)
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    return [item["name"] if isinstance(item, dict) else item for item in (items if isinstance(items, list) else [items])]

text = open(readme, encoding="utf-8").read()
asked = []
# The README's API examples: `/recommends/42?…`, `/sim/…`, `/anime/…` in code spans.
for path in re.findall(r"`(/(?:recommends|rank|recall|sim|anime)/\d+[^`\s]*|/(?:anime|trending|recommends|rank|recall)\?[^`\s]*=[0-9A-Za-z][^`\s]*)`", text):
    asked.append((path, path))
# Its deep links into the page, asked of the routes the page calls for them.
for query in re.findall(r"`/\?([^`\s]+)`", text):
    params = urllib.parse.parse_qs(query)
    if "user" in params:
        asked.append((f"/?{query}", f"/recommends/{params['user'][0]}"))
    if "anime" in params:
        asked.append((f"/?{query}", f"/anime/{params['anime'][0]}"))
        asked.append((f"/?{query}", f"/sim/{params['anime'][0]}"))
    if "q" in params:
        search = {"query": params["q"][0]}
        if "genre" in params: search["genre"] = params["genre"][0]
        asked.append((f"/?{query}", "/anime?" + urllib.parse.urlencode(search)))
# The search box's placeholder.
for example in re.findall(r'placeholder="e\.g\. ([^"]+)"', open(page, encoding="utf-8").read()):
    asked.append((f"search box '{example}'", "/anime?" + urllib.parse.urlencode({"query": example})))
if len(asked) < 6:
    failures.append(f"found only {len(asked)} examples in the README and the page")
for example, path in asked:
    try:
        names = titles(path)
        if not names:
            failures.append(f"{example}: {path} answered no titles")
        else:
            print(f"demo-check: {example} -> {path}: {', '.join(map(str, names[:3]))}")
    except Exception as error:
        failures.append(f"{example}: {path}: {error}")

if failures:
    print("demo-check: console output:\n" + "\n".join(lines), file=sys.stderr)
    sys.exit("demo-check: " + "\ndemo-check: ".join(failures))
print(f"demo-check: {len(lines)} console lines, each once and in order; {len(asked)} examples answered with titles")
EOF
