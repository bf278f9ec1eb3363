#!/usr/bin/env bash
# Walks every subcommand's flags with bad values: each must be refused with a non-zero exit status
# and a message naming the flag, never a crash (signal exit 128+) or a silent success.
#
#   scripts/cli-check.sh [BIN]        BIN defaults to .build/debug/animerec (built when missing)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${1:-${ANIMEREC_BIN:-.build/debug/animerec}}"
[ -x "$BIN" ] || swift build --product animerec
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
unset ANIMEREC_STORE ANIMEREC_DB ANIMEREC_PORT

failures=0
checked=0
# expect_refusal "what the message must contain" args...
expect_refusal() {
    local want="$1" rc=0 out
    shift
    out="$(cd "$work" && timeout 60 "$OLDPWD/$BIN" "$@" 2>&1)" || rc=$?
    checked=$((checked + 1))
    if [ "$rc" = 0 ] || [ "$rc" -ge 128 ] || ! grep -qiF -- "$want" <<<"$out"; then
        failures=$((failures + 1))
        echo "cli-check: FAIL: animerec $* -> exit $rc, wanted a refusal mentioning '$want'; got:" >&2
        sed 's/^/    /' <<<"$out" | head -5 >&2
    fi
}

for command in serve demo; do
    for port in 0 -1 65536 99999 http; do expect_refusal "port" "$command" --port "$port"; done
done
for command in serve rebuild eval import migrate demo; do
    expect_refusal "--store" "$command" --store "postgres://x/y"
    expect_refusal "keyspace" "$command" --store "cassandra://127.0.0.1/1bad"
    expect_refusal "port" "$command" --store "cassandra://127.0.0.1:70000/ks"
    expect_refusal "not both" "$command" --store "sqlite:a.sqlite" --db b.sqlite
done
for share in -1 0 1 1.5 nan x; do expect_refusal "--holdout" eval --holdout "$share"; done
for users in -1 0 x 10000001; do expect_refusal "--users" eval --users "$users"; done
for seeds in -1 0 11 x; do expect_refusal "--seeds" eval --seeds "$seeds"; done
expect_refusal "--ratings and --anime" eval --ratings r.csv
expect_refusal "--ratings and --anime" eval --anime a.csv
expect_refusal "--ratings: no readable file" eval --ratings missing.csv --anime missing-too.csv
for n in 0 -5 x; do expect_refusal "--batch-size" import --anime a.csv --batch-size "$n"; done
expect_refusal "--anime, --ratings" import
expect_refusal "--users" generate --users 0
expect_refusal "--users" generate --users 99999999999
expect_refusal "--anime" generate --anime -3
expect_refusal "--ratings" generate --ratings -1
expect_refusal "--seed" generate --seed -1
expect_refusal "--seed" generate --seed x
expect_refusal "--out" generate --out ""
expect_refusal "--seed" eval --seed -2
for command in serve demo; do
    for host in "" "http://x" "a b"; do expect_refusal "--host" "$command" --host "$host"; done
done
expect_refusal "--data-dir" demo --data-dir ""
for spec in 0/2 3/2 1/0 x 1/5000 "1/2/3"; do expect_refusal "--shard" rebuild --run r1 --shard "$spec"; done
expect_refusal "--run" rebuild --shard 1/2
expect_refusal "--run" rebuild --run "no spaces"
expect_refusal "--run" rebuild --run ""
expect_refusal "--activate" rebuild --activate r1 --run r2
expect_refusal "--activate" rebuild --activate "a/b"
expect_refusal "--shard" rebuild --run r1 --shard 1/2 --no-candidates
expect_refusal "--replication" migrate --replication 0
expect_refusal "--replication" migrate --replication "dc1"
# A store that does not exist or holds nothing is refused by the commands that only read it.
for command in serve rebuild eval; do
    expect_refusal "no database" "$command" --db "$work/missing.sqlite"
done
"$BIN" migrate --db "$work/empty.sqlite" > /dev/null
for command in serve rebuild eval; do
    expect_refusal "no catalogue" "$command" --db "$work/empty.sqlite"
done
# An import that stores no valid row fails (wrong file for the option).
printf 'user_id,anime_id,rating\n1,2,8\n' > "$work/rating.csv"
expect_refusal "not an anime.csv header" import --db "$work/empty.sqlite" --anime "$work/rating.csv"
printf 'anime_id,name,genre,type,episodes,rating,members\nx,A,Action,TV,1,7.0,10\n' > "$work/bad-rows.csv"
expect_refusal "no valid row" import --db "$work/empty.sqlite" --anime "$work/bad-rows.csv"
printf 'user_id,anime_id,rating\nx,2,8\n' > "$work/bad-ratings.csv"
expect_refusal "no valid row" import --db "$work/empty.sqlite" --ratings "$work/bad-ratings.csv"
# A catalogue file whose header is not anime.csv's is refused before anything is stored.
printf 'id,title,genre,type,episodes,rating,members\n1,A,Action,TV,1,7.0,10\n' > "$work/wrong.csv"
expect_refusal "not an anime.csv header" import --db "$work/empty.sqlite" --anime "$work/wrong.csv"

echo "cli-check: $checked refusals checked, $failures wrong"
[ "$failures" = 0 ]
