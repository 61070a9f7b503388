#!/usr/bin/env bash
# Two imports into one store at once both succeed (one waits for the
# other) with every row kept, also when both create the store; stats and
# exports read while an import runs see the store before or after it,
# never a mix.
set -u
bin=${INCIMAP:?}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/concurrency.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

python3 "$root/bench/make_acled.py" 4000 "$tmp/a.csv" >/dev/null

# ---- two imports at once, into a new store and into an existing one ----
for round in 1 2 3 4 5; do
  db=$tmp/two$round.db
  [ "$round" -gt 3 ] && "$bin" import "$root/data/incidents/seed.csv" --db "$db" 2>/dev/null
  "$bin" import "$tmp/a.csv" --db "$db" --source one 2>"$tmp/err1" &
  p1=$!
  "$bin" import "$tmp/a.csv" --db "$db" --source two 2>"$tmp/err2" &
  p2=$!
  wait "$p1" || fail "round $round: first import: $(cat "$tmp/err1")"
  wait "$p2" || fail "round $round: second import: $(cat "$tmp/err2")"
  base=0
  [ "$round" -gt 3 ] && base=10
  got=$(sqlite3 "$db" "PRAGMA integrity_check; SELECT count(*) FROM incidents;
    SELECT count(*) FROM incidents WHERE source = 'one';
    SELECT count(*) FROM incidents WHERE source = 'two';
    SELECT sum(incidents) FROM district_totals" | tr '\n' ' ')
  want="ok $((base + 8000)) 4000 4000 $((base + 8000)) "
  [ "$got" = "$want" ] || fail "round $round: store holds '$got', want '$want'"
done

# ---- reads while an import runs ----------------------------------------
db=$tmp/read.db
"$bin" import "$root/data/incidents/seed.csv" --db "$db" 2>/dev/null || fail "seed import"
python3 "$root/bench/make_acled.py" 100000 "$tmp/big.csv" >/dev/null
counts() {
  "$bin" stats --db "$db" --by province --format csv 2>/dev/null |
    awk -F, 'NR > 1 { n += $2 } END { print n + 0 }'
}
years() {
  "$bin" stats --db "$db" --by year --format csv 2>/dev/null |
    awk -F, 'NR > 1 { n += $2 } END { print n + 0 }'
}
[ "$(counts)" = 10 ] || fail "stats before the import: $(counts)"
"$bin" import "$tmp/big.csv" --db "$db" 2>"$tmp/err" &
pid=$!
reads=0 mixed=0
while kill -0 "$pid" 2>/dev/null; do
  for n in "$(counts)" "$(years)"; do
    case $n in
      10 | 100010) reads=$((reads + 1)) ;;
      *) mixed=$((mixed + 1)); fail "a read during the import saw $n incidents" ;;
    esac
  done
  "$bin" export --db "$db" -o "$tmp/during.csv" 2>/dev/null || fail "export during the import"
  n=$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))) - 1)' "$tmp/during.csv")
  [ "$n" = 10 ] || [ "$n" = 100010 ] || fail "an export during the import holds $n incidents"
  "$bin" render --db "$db" -o "$tmp/during.png" 2>"$tmp/rerr" || fail "render --db during the import: $(cat "$tmp/rerr")"
done
wait "$pid" || fail "the import: $(cat "$tmp/err")"
[ "$(counts)" = 100010 ] || fail "stats after the import: $(counts)"
[ "$reads" -gt 0 ] || fail "no read happened while the import ran"

[ "$failures" -eq 0 ] && echo "concurrent imports and reads consistent ($reads reads)"
exit $((failures > 0))
