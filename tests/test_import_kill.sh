#!/usr/bin/env bash
# A process killed in the middle of a large import leaves a store that
# opens, passes PRAGMA integrity_check, and still holds every import that
# had committed before, and nothing of the killed one.
set -u
bin=${INCIMAP:?}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/kill.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
db=$tmp/k.db

"$bin" import "$root/data/incidents/seed.csv" --db "$db" 2>/dev/null || fail "first import"
python3 "$root/bench/make_acled.py" 200000 "$tmp/big.csv"
"$bin" import "$tmp/big.csv" --db "$db" 2>/dev/null &
pid=$!
# Kill once rows are going in: the WAL grows from the first inserts.
for _ in $(seq 1 100); do
  [ -s "$db-wal" ] && [ "$(stat -c %s "$db-wal")" -gt 1000000 ] && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || fail "the import finished before it could be killed"
wait "$pid" 2>/dev/null
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity after kill"
[ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE source = 'seed'")" = 10 ] || fail "the committed import is intact"
[ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE source = 'acled'")" = 0 ] || fail "rows of the killed import survived"
[ "$(sqlite3 "$db" "SELECT count(*) FROM import_runs")" = 1 ] || fail "the killed run was recorded"
"$bin" stats --db "$db" --by district --format csv >/dev/null || fail "store usable after kill"

[ "$failures" -eq 0 ] && echo "killed import left the store intact"
exit $((failures > 0))
