#!/usr/bin/env bash
# A process killed in the middle of an import leaves a store that
# opens, passes PRAGMA integrity_check, and still holds every import that
# had committed before, and nothing of the killed one.
set -u
bin=${INCIMAP:?}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/kill.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
committed=
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

# A first import, into a store that does not exist yet, killed: the store
# was being written under a temporary name beside its path, so there is
# no store at all, and the next import sweeps the killed one's file away.
db=$tmp/new.db
"$bin" import "$tmp/big.csv" --db "$db" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do
  compgen -G "$db.*.tmp" >/dev/null && break
  sleep 0.05
done
sleep 0.5
kill -9 "$pid" 2>/dev/null || fail "the first import finished before it could be killed"
wait "$pid" 2>/dev/null
[ -e "$db" ] && fail "a killed first import left a store: $(sqlite3 "$db" 'SELECT count(*) FROM incidents')"
compgen -G "$db.*.tmp" >/dev/null || fail "the killed first import wrote no staged file"
"$bin" import "$root/data/incidents/seed.csv" --db "$db" 2>/dev/null || fail "import after a killed first import"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check; SELECT count(*) FROM incidents')" = "ok
10" ] || fail "the store after a killed first import"
compgen -G "$db.*.tmp" >/dev/null && fail "staged files left: $(echo "$db".*.tmp)"

# Killed at random points, many times: at start-up, among the inserts,
# while committing, after.  Each run imports the same file under a source
# of its own, so a run that committed holds all its rows.  After every
# kill the store opens, passes the integrity check, and holds exactly
# the runs that committed: each finished, with as many incidents as it
# inserted, and every run whose process exited normally among them.
db=$tmp/r.db
rows=3000
python3 "$root/bench/make_acled.py" "$rows" "$tmp/small.csv"
"$bin" import "$tmp/small.csv" --db "$db" --source first 2>/dev/null || fail "first import"
start=$(date +%s%N)
"$bin" import "$tmp/small.csv" --db "$db" --source timed 2>/dev/null || fail "timed import"
took_ms=$((($(date +%s%N) - start) / 1000000 + 1))
finished=2 killed=0
for i in $(seq 1 30); do
  "$bin" import "$tmp/small.csv" --db "$db" --source "run$i" 2>/dev/null &
  pid=$!
  # Up to a little past the time a whole import takes.
  sleep "$(awk -v r="$RANDOM" -v t="$took_ms" 'BEGIN { printf "%.3f", r / 32767 * t * 1.2 / 1000 }')"
  kill -9 "$pid" 2>/dev/null
  if wait "$pid" 2>/dev/null; then
    finished=$((finished + 1))
    committed="$committed run$i"
  else
    killed=$((killed + 1))
  fi
  got=$(sqlite3 "$db" "PRAGMA integrity_check;
    SELECT count(*) FROM import_runs WHERE finished_at IS NULL
      OR inserted != (SELECT count(*) FROM incidents WHERE run_id = import_runs.id)
      OR inserted != $rows;
    SELECT (SELECT count(*) FROM incidents) = (SELECT sum(inserted) FROM import_runs);
    SELECT (SELECT count(*) FROM incidents) = (SELECT sum(incidents) FROM district_totals)" |
    tr '\n' ' ')
  [ "$got" = "ok 0 1 1 " ] || fail "after kill $i: integrity, partial runs, incidents = runs, totals: $got"
  for src in $committed; do
    [ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE source = '$src'")" = "$rows" ] \
      || fail "after kill $i: the committed run $src is not whole"
  done
done
"$bin" stats --db "$db" --by district --format csv >/dev/null || fail "store usable after the kills"
echo "30 runs: $killed killed, $((finished - 2)) finished first"

[ "$failures" -eq 0 ] && echo "killed import left the store intact"
exit $((failures > 0))
