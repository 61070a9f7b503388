#!/usr/bin/env bash
# Faults from outside the program: the disk filling up (a file-size limit)
# while a map, an export, a geocoded copy or the store is written; output
# paths that cannot be written; the store locked by another process.
# Each must end in a message naming the file and a non-zero exit, with no
# partial file at the destination (a file already there stays as it was)
# and the store holding exactly what it held before.
set -u
bin=${INCIMAP:?}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/faults.XXXXXX")
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

seed=$root/data/incidents/seed.csv
db=$tmp/store.db
"$bin" import "$seed" --db "$db" 2>/dev/null || fail "import seed"
state() {
  sqlite3 "$1" "PRAGMA integrity_check; SELECT count(*) FROM incidents;
    SELECT count(*) || ' ' || coalesce(sum(inserted), 0) FROM import_runs;
    SELECT sum(incidents) FROM district_totals" | tr '\n' ' '
}
before=$(state "$db")
[ "$before" = "ok 10 1 10 10 " ] || fail "the store to start from: $before"

# Files in the directory other than the ones expected: temporary names
# left behind by a failed write.
strays() { find "$1" -maxdepth 1 -name '*.tmp*' | head -3; }

# Runs a command under a file-size limit of $1 KiB.  SIGXFSZ is ignored,
# as a shell would have it, so that writing past the limit fails with
# EFBIG instead of killing the process.
limited() {
  local kb=$1
  shift
  (trap '' XFSZ; ulimit -f "$kb"; exec "$@")
}

# ---- disk full while writing a map, an export, a geocoded copy --------
out=$tmp/out
mkdir "$out"
for ext in png svg pdf; do
  "$bin" render "$seed" -o "$out/old.$ext" 2>/dev/null || fail "render $ext"
  cp "$out/old.$ext" "$tmp/copy.$ext"
  limited 8 "$bin" render "$seed" --title "Another" -o "$out/old.$ext" 2>"$tmp/err"
  rc=$?
  [ "$rc" -ne 0 ] || fail "render .$ext past the size limit exited 0"
  grep -q "old.$ext" "$tmp/err" || fail "render .$ext: message names the file: $(cat "$tmp/err")"
  cmp -s "$out/old.$ext" "$tmp/copy.$ext" || fail "render .$ext: the map already there was changed"
  limited 8 "$bin" render "$seed" -o "$out/new.$ext" 2>/dev/null && fail "render new .$ext exited 0"
  [ -e "$out/new.$ext" ] && fail "render .$ext: a truncated map was left at the destination"
done
python3 "$root/bench/make_acled.py" 3000 "$tmp/acled.csv" >/dev/null
limited 64 "$bin" geocode "$tmp/acled.csv" -o "$out/geocoded.csv" \
  --place-column location --lat-column latitude --lon-column longitude 2>"$tmp/err" \
  && fail "geocode past the size limit exited 0"
grep -q "geocoded.csv" "$tmp/err" || fail "geocode: message names the file: $(cat "$tmp/err")"
[ -e "$out/geocoded.csv" ] && fail "geocode: a truncated file was left"
[ -z "$(strays "$out")" ] || fail "temporary files left: $(strays "$out")"

# ---- disk full while writing the store ---------------------------------
# The limit leaves room for the store as it is but not for the import's
# write-ahead log.
limited 256 "$bin" import "$tmp/acled.csv" --db "$db" 2>"$tmp/err" \
  && fail "import past the size limit exited 0"
grep -q "store.db" "$tmp/err" || fail "import: message names the store: $(cat "$tmp/err")"
now=$(state "$db")
[ "$now" = "$before" ] || fail "the store after a full disk: $now, was $before"
"$bin" import "$tmp/acled.csv" --db "$db" 2>/dev/null || fail "import once there is room"
after=$(state "$db")
[ "$after" = "ok 3010 2 3010 3010 " ] || fail "the store after the import: $after"
before=$after
# The limit leaves room for the store's shared-memory index (32 KiB),
# which a reader creates, but not for the export of 3010 incidents.
for ext in csv geojson gpkg; do
  limited 96 "$bin" export --db "$db" -o "$out/export.$ext" 2>"$tmp/err" \
    && fail "export .$ext past the size limit exited 0"
  grep -q "export.$ext" "$tmp/err" || fail "export .$ext: message names the file: $(cat "$tmp/err")"
  [ -e "$out/export.$ext" ] && fail "export .$ext: a truncated file was left"
done
[ -z "$(strays "$out")" ] || fail "temporary files left: $(strays "$out")"

# ---- output paths that cannot be written -------------------------------
touch "$tmp/afile"
for path in "$tmp/missing/map.png" "$tmp/afile/map.png"; do
  "$bin" render "$seed" -o "$path" 2>"$tmp/err" && fail "render to $path exited 0"
  grep -q "$path" "$tmp/err" || fail "render: message names $path: $(cat "$tmp/err")"
  "$bin" export --db "$db" -o "${path%.png}.csv" 2>"$tmp/err" && fail "export to ${path%.png}.csv exited 0"
  grep -q "${path%.png}.csv" "$tmp/err" || fail "export: message names the file: $(cat "$tmp/err")"
  "$bin" geocode "$seed" -o "${path%.png}.csv" 2>"$tmp/err" && fail "geocode to ${path%.png}.csv exited 0"
  grep -q "${path%.png}.csv" "$tmp/err" || fail "geocode: message names the file: $(cat "$tmp/err")"
done
mkdir "$tmp/readonly"
chmod 555 "$tmp/readonly"
if touch "$tmp/readonly/probe" 2>/dev/null; then
  # Running as root: permissions do not stop writes, so there is nothing
  # to test here.
  rm -f "$tmp/readonly/probe"
  echo "note: a read-only directory is writable here (root); not tested"
else
  "$bin" render "$seed" -o "$tmp/readonly/map.png" 2>"$tmp/err" && fail "render into a read-only directory exited 0"
  grep -q "readonly/map.png" "$tmp/err" || fail "render: message names the file: $(cat "$tmp/err")"
fi
chmod 755 "$tmp/readonly"
[ "$(state "$db")" = "$before" ] || fail "the store changed while nothing was imported"

# ---- the store locked by another process ------------------------------
# A second connection holds the write lock (with a row of its own not yet
# committed) for $2 seconds, then rolls back.
hold_lock() {
  python3 - "$1" "$2" >"$tmp/lock.out" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO import_runs(file, sha256, format, started_at)"
          " VALUES('held', '', 'x', 'now')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
EOF
  holder=$!
  for _ in $(seq 1 100); do
    grep -q locked "$tmp/lock.out" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "the lock holder did not start"
}
python3 "$root/bench/make_acled.py" 50 "$tmp/small.csv" >/dev/null
sed -i 's/PAK/LCK/g' "$tmp/small.csv"

# Held for longer than the import waits: it fails naming the store.
hold_lock "$db" 14
start=$(date +%s)
"$bin" import "$tmp/small.csv" --db "$db" --source locked --wait 8 2>"$tmp/err" \
  && fail "import into a locked store exited 0"
waited=$(($(date +%s) - start))
grep -q "store.db" "$tmp/err" && grep -qi "locked" "$tmp/err" \
  || fail "import into a locked store: $(cat "$tmp/err")"
[ "$waited" -ge 7 ] || fail "the import gave up after ${waited} s, before its --wait 8"
# Readers are not blocked by the writer: they see the committed store.
"$bin" stats --db "$db" --by province --format csv >"$tmp/stats.csv" 2>"$tmp/err" \
  || fail "stats of a locked store: $(cat "$tmp/err")"
"$bin" render --db "$db" -o "$out/locked.png" 2>"$tmp/err" \
  || fail "render of a locked store: $(cat "$tmp/err")"
wait "$holder"
holder=
[ "$(state "$db")" = "$before" ] || fail "the store after the locked import: $(state "$db")"

# Held for longer than SQLite's usual few seconds, as another analyst's
# import would: by default the import waits for it and then goes in.
hold_lock "$db" 12
"$bin" import "$tmp/small.csv" --db "$db" --source waited 2>"$tmp/err" \
  || fail "import waiting for a lock: $(cat "$tmp/err")"
wait "$holder"
holder=
[ "$(state "$db")" = "ok 3060 3 3060 3060 " ] || fail "the store after waiting: $(state "$db")"

[ "$failures" -eq 0 ] && echo "every fault left the files and the store intact"
exit $((failures > 0))
