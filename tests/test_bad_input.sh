#!/usr/bin/env bash
# The bad-input corpus (tests/bad/, see its README) through every command
# that reads that kind of input: a clear error naming the file (and line
# and field where there is one), or the documented recovery with its
# warning.  Never a crash, a sanitizer report or a hang, and a failed
# import leaves the store as it was.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
bad=$root/tests/bad
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/bad.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run CODE -- command...: the exit code is CODE (never a signal or a
# timeout) and nothing from the sanitizers; output in $tmp/out.
run() {
  local code=$1; shift 2
  timeout 60 "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" -eq 124 ]; then
    fail "$* hung"
  elif [ "$got" -ge 128 ]; then
    fail "$* crashed ($got): $(head -c 2000 "$tmp/out")"
  elif [ "$got" -ne "$code" ]; then
    fail "$* exited $got, want $code: $(head -c 2000 "$tmp/out")"
  fi
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$tmp/out"; then
    fail "$*: sanitizer report: $(head -c 2000 "$tmp/out")"
  fi
}
# has PATTERN...: every pattern (fixed text) is in the last run's output.
has() {
  for p in "$@"; do
    grep -qF -- "$p" "$tmp/out" || fail "output lacks '$p': $(head -c 1000 "$tmp/out")"
  done
}
lacks() { ! grep -qF -- "$1" "$tmp/out" || fail "output has '$1'"; }

# A store holding one good import; every bad import must leave it as it was.
db=$tmp/store.db
"$bin" import "$root/data/incidents/seed.csv" --db "$db" >/dev/null 2>&1 ||
  fail "seed import"
snapshot() {
  sqlite3 "$db" "SELECT * FROM incidents ORDER BY id; SELECT * FROM district_totals ORDER BY 1, 2;" |
    sha256sum
}
runs() { sqlite3 "$db" 'SELECT count(*) FROM import_runs'; }
before=$(snapshot)
nruns=$(runs)
# import_fails FILE PATTERN...: exit 1, the patterns, the store untouched.
import_fails() {
  local f=$1; shift
  run 1 -- "$bin" import "$f" --db "$db"
  has "$@"
  [ "$(snapshot)" = "$before" ] || fail "import $f changed the incidents"
  [ "$(runs)" = "$nruns" ] || fail "import $f recorded a run"
}
# import_rejects FILE NEW: succeeds; rows that cannot be read are rejected
# into the report; only the good rows are added, and undone afterwards.
import_rejects() {
  local f=$1 new=$2
  rm -f "$tmp/rejects.csv"
  run 0 -- "$bin" import "$f" --db "$db" --source badtest --rejects "$tmp/rejects.csv"
  has "$new new"
  [ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE source = 'badtest'")" = "$new" ] ||
    fail "import $f: want $new new incidents"
  [ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE source <> 'badtest'")" = 10 ] ||
    fail "import $f touched other sources' incidents"
}
# Back to a store holding only the seed, for the next case.
forget_badtest() {
  rm -f "$db" "$db-wal" "$db-shm"
  "$bin" import "$root/data/incidents/seed.csv" --db "$db" >/dev/null 2>&1
  before=$(snapshot)
  nruns=$(runs)
}
tallies_args=(--value-column count)
png=$tmp/map.png

# ---- empty file, header only, binary garbage -----------------------------
import_fails "$bad/empty.csv" "empty.csv:1: no header row"
run 1 -- "$bin" geocode "$bad/empty.csv" -o "$tmp/g.csv"; has "empty.csv:1: no header row"
run 1 -- "$bin" render "$bad/empty.csv" -o "$png"; has "empty.csv:1: no header row"
run 1 -- "$bin" render "$bad/empty.csv" --type points -o "$png"; has "empty.csv:1: no header row"

# A header and no rows imports nothing; geocoding gives the header back;
# a map of nothing is an error rather than a map of a quiet period.
run 0 -- "$bin" import "$bad/header-only.csv" --db "$db"
has "0 rows, 0 new"
[ "$(snapshot)" = "$before" ] || fail "header-only import changed the incidents"
nruns=$(runs)
run 0 -- "$bin" geocode "$bad/header-only.csv" -o "$tmp/g.csv"
[ "$(wc -l <"$tmp/g.csv")" = 1 ] || fail "geocode of a header only: $(cat "$tmp/g.csv")"
run 1 -- "$bin" render "$bad/header-only.csv" -o "$png"; has "header-only.csv:2: no rows after the header"
run 1 -- "$bin" render "$bad/header-only.csv" --type points -o "$png"; has "header-only.csv:2: no rows after the header"

nul="garbage.bin:1: a NUL byte: binary data or UTF-16"
import_fails "$bad/garbage.bin" "$nul"
run 1 -- "$bin" geocode "$bad/garbage.bin" -o "$tmp/g.csv"; has "$nul"
run 1 -- "$bin" render "$bad/garbage.bin" -o "$png"; has "$nul"
run 1 -- "$bin" render "$bad/garbage.bin" --type points -o "$png"; has "$nul"
# A NUL further down, in a file that starts as good CSV: named by line.
{ cat "$bad/header-only.csv"; printf 'n-1,2020-01-05,Quetta,Quetta,Balochistan,,,1,0\nn-2,2020-01-06,Quet\0ta,Quetta,Balochistan,,,1,0\n'; } >"$tmp/nul.csv"
import_fails "$tmp/nul.csv" "nul.csv:3: a NUL byte"
run 1 -- "$bin" render "$tmp/nul.csv" -o "$png"; has "nul.csv:3: a NUL byte"
[ ! -e "$png" ] || fail "a map was written from bad input"

# ---- invalid UTF-8: read as Windows-1252, stored as valid UTF-8 ----------
run 0 -- "$bin" import "$bad/invalid-utf8.csv" --db "$db" --source badtest
has "read as cp1252" "2 rows, 2 new"
sqlite3 "$db" "SELECT place || district FROM incidents WHERE source = 'badtest'" >"$tmp/text"
iconv -f UTF-8 -t UTF-8 "$tmp/text" >/dev/null 2>&1 || fail "invalid UTF-8 stored: $(od -c "$tmp/text" | head)"
forget_badtest
run 0 -- "$bin" geocode "$bad/invalid-utf8.csv" -o "$tmp/g.csv"
iconv -f UTF-8 -t UTF-8 "$tmp/g.csv" >/dev/null 2>&1 || fail "geocode wrote invalid UTF-8"
[ "$(wc -l <"$tmp/g.csv")" = 3 ] || fail "geocode kept every row"
run 0 -- "$bin" render "$bad/invalid-utf8.csv" -o "$png"
has "invalid-utf8.csv:3: district:" "taken as Peshawar (spelling)"
rm -f "$png"

# ---- a 10 MB field and a million columns, made here ----------------------
big=$tmp/bigfield.csv
{ cat "$bad/header-only.csv"; printf 'b-1,2020-01-05,'; head -c 10485760 /dev/zero | tr '\0' Q; printf ',Quetta,Balochistan,,,1,0\n'; } >"$big"
run 0 -- "$bin" import "$big" --db "$db" --source badtest
has "1 rows, 1 new"
[ "$(sqlite3 "$db" "SELECT length(place) FROM incidents WHERE source = 'badtest'")" = 10485760 ] ||
  fail "the 10 MB place was not kept whole"
forget_badtest
run 0 -- "$bin" geocode "$big" -o "$tmp/g.csv"
[ "$(tail -n 1 "$tmp/g.csv" | wc -c)" -gt 10485760 ] || fail "geocode lost the 10 MB field"
run 0 -- "$bin" render "$big" -o "$png"
run 0 -- "$bin" render "$big" --type points -o "$png"
# In the district column: unknown, and the message stays one short line.
{ printf 'district,count\nQuetta,3\n'; head -c 10485760 /dev/zero | tr '\0' Q; printf ',1\n'; } >"$tmp/bigdistrict.csv"
run 1 -- "$bin" render "$tmp/bigdistrict.csv" "${tallies_args[@]}" -o "$png"
has "bigdistrict.csv:3: district: unknown district 'QQQ"
[ "$(wc -c <"$tmp/out")" -lt 2000 ] || fail "a 10 MB value in an error message"

wide=$tmp/wide.csv
awk 'BEGIN {
  printf "id,date,place,district,province,lat,lon,killed,injured"
  for (i = 0; i < 1000000; i++) printf ",c%d", i
  printf "\nw-1,2020-01-05,Quetta,Quetta,Balochistan,,,1,0"
  for (i = 0; i < 1000000; i++) printf ",x"
  printf "\n"
}' >"$wide"
run 0 -- "$bin" import "$wide" --db "$db" --source badtest
has "1 rows, 1 new"
forget_badtest
run 0 -- "$bin" geocode "$wide" -o "$tmp/g.csv"
run 0 -- "$bin" render "$wide" -o "$png"
run 0 -- "$bin" render "$wide" --type points -o "$png"
# A million columns and none of the ones needed: named as such.
awk 'BEGIN { printf "c0"; for (i = 1; i < 1000000; i++) printf ",c%d", i; printf "\n1\n" }' >"$tmp/wide-none.csv"
import_fails "$tmp/wide-none.csv" "wide-none.csv:1: no date column"
run 1 -- "$bin" render "$tmp/wide-none.csv" -o "$png"; has "wide-none.csv:1: no column 'district'"
rm -f "$big" "$wide" "$tmp/wide-none.csv" "$tmp/bigdistrict.csv" "$tmp/g.csv"

# ---- coordinates: NaN, infinite, out of range ----------------------------
# 0,0 is how exports write "no coordinates": kept without a point.
import_rejects "$bad/coordinates.csv" 2
[ "$(sqlite3 "$db" "SELECT coalesce(lat, 'null') FROM incidents WHERE source_id = 'c-007'")" = null ] ||
  fail "0,0 stored as a point"
for want in "coordinates.csv,3,lat,'NaN' is not a latitude" \
            "coordinates.csv,4,lon,'inf' is not a longitude" \
            "coordinates.csv,5,lat,'95.5' is not a latitude" \
            "coordinates.csv,6,lon,'-200' is not a longitude" \
            "coordinates.csv,7,lat,'1e400' is not a latitude"; do
  grep -qF -- "$want" "$tmp/rejects.csv" || fail "rejects lack $want: $(cat "$tmp/rejects.csv")"
done
has "coordinates.csv:3: lat: 'NaN' is not a latitude"
forget_badtest
run 1 -- "$bin" geocode "$bad/coordinates.csv" -o "$tmp/g.csv"; has "coordinates.csv:3: lat: bad latitude 'NaN'"
run 1 -- "$bin" render "$bad/coordinates.csv" --type points -o "$png"; has "coordinates.csv:3: lat: bad latitude 'NaN'"
for v in inf 95.5 1e400; do
  printf 'id,place,lat,lon\n1,Quetta,%s,66.99\n' "$v" >"$tmp/lat.csv"
  run 1 -- "$bin" render "$tmp/lat.csv" --type points -o "$png"; has "lat.csv:2: lat: bad latitude '$v'"
  run 1 -- "$bin" geocode "$tmp/lat.csv" -o "$tmp/g.csv"; has "lat.csv:2: lat: bad latitude '$v'"
done
# In range but far from Pakistan: drawn nowhere, so said.
printf 'id,place,lat,lon\n1,Quetta,51.5,-0.12\n2,Quetta,30.18,66.99\n' >"$tmp/far.csv"
run 0 -- "$bin" render "$tmp/far.csv" --type points -o "$png"
has "1 incident(s) lie outside the map and are not drawn, the first at 51.5000, -0.1200"
run 0 -- "$bin" render "$bad/quetta.csv" --type points -o "$png"; lacks "outside the map"
[ ! -e "$tmp/g.csv" ] || fail "geocode wrote output for bad coordinates"

# ---- dates: never rolled over --------------------------------------------
import_rejects "$bad/dates.csv" 1
for want in "dates.csv,3,date,'31/02/2020' is not a date" \
            "dates.csv,4,date,'2021-02-29' is not a date" \
            "dates.csv,5,date,'2020-13-01' is not a date" \
            "dates.csv,6,date,'00/00/0000' is not a date" \
            "dates.csv,7,date,'2020-04-31' is not a date"; do
  grep -qF -- "$want" "$tmp/rejects.csv" || fail "rejects lack $want"
done
[ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE date LIKE '2020-03%'")" = 0 ] ||
  fail "a date rolled over into March"
forget_badtest
run 0 -- "$bin" render "$bad/dates.csv" -o "$png"
has "dates.csv:3: date: '31/02/2020' is not a date; counted, but left out of the span of dates" \
    "dates.csv:7: date: '2020-04-31' is not a date"

# ---- casualties: negative, NaN, words ------------------------------------
import_rejects "$bad/casualties.csv" 1
for want in "casualties.csv,3,killed,'-3' is not a count" \
            "casualties.csv,4,injured,'-1' is not a count" \
            "casualties.csv,5,killed,'NaN' is not a count" \
            "casualties.csv,6,killed,'many' is not a count"; do
  grep -qF -- "$want" "$tmp/rejects.csv" || fail "rejects lack $want"
done
[ "$(sqlite3 "$db" "SELECT count(*) FROM incidents WHERE killed < 0 OR injured < 0")" = 0 ] ||
  fail "a negative count was stored"
forget_badtest
run 1 -- "$bin" import "$bad/casualties.csv" --db "$db" --strict
[ "$(snapshot)" = "$before" ] || fail "--strict import changed the store"
run 0 -- "$bin" render "$bad/casualties.csv" --type points -o "$png"
has "casualties.csv:3: killed: '-3' is not a count; the point is drawn with no casualties" \
    "casualties.csv:4: injured: '-1' is not a count"

rm -f "$png"
# ---- values: NaN, negative, infinite, out of range; broken quoting -------
for f in values values-negative values-infinite values-out-of-range; do
  v=$(sed -n 3p "$bad/$f.csv" | cut -d, -f2)
  run 1 -- "$bin" render "$bad/$f.csv" "${tallies_args[@]}" -o "$png"
  has "$f.csv:3: count: '$v' is not a non-negative number"
done
run 1 -- "$bin" render "$bad/unterminated-quote.csv" "${tallies_args[@]}" -o "$png"
has "unterminated-quote.csv:3: unterminated quoted field"
run 1 -- "$bin" geocode "$bad/unterminated-quote.csv" --place-column district -o "$tmp/g.csv"
has "unterminated-quote.csv:3: unterminated quoted field"
[ ! -e "$png" ] || fail "a map was written from bad values"

# ---- boundaries ----------------------------------------------------------
rb() { run "$1" -- "$bin" render "$bad/quetta.csv" "${tallies_args[@]}" --boundaries "$bad/$2" -o "$png"; }
rb 0 self-intersecting.geojson
has "self-intersecting.geojson: feature 0 ('Quetta'): polygon crosses itself or its holes; drawn as given"
rb 0 empty-polygon.geojson
has "empty-polygon.geojson: feature 1 ('Mastung'): empty or no geometry; skipped"
rb 0 unclosed.geojson
has "unclosed.geojson: feature 0 ('Quetta'): 1 ring(s) not closed; closed by joining the last point to the first"
lacks "cannot dissolve"
rb 1 no-polygons.geojson
has "no-polygons.geojson: feature 0 ('Quetta'): no polygon; skipped" "no-polygons.geojson: no polygons"
rb 1 nan-coordinates.geojson
has "nan-coordinates.geojson: feature 0 ('Quetta'): a coordinate is not a finite number"
rb 1 truncated.geojson
has "cannot open boundaries '$bad/truncated.geojson'"
rb 1 garbage.bin
has "cannot open boundaries '$bad/garbage.bin'"
rb 1 empty.csv
has "empty.csv"
[ -s "$png" ] || fail "no map from the closed ring"
# The geocoder and the import read boundaries the same way.
run 0 -- "$bin" geocode "$bad/quetta.csv" --place-column district --boundaries "$bad/unclosed.geojson" -o "$tmp/g.csv"
has "ring(s) not closed"

rm -f "$png"
# ---- style files ---------------------------------------------------------
rs() { run "$1" -- "$bin" render "$bad/quetta.csv" "${tallies_args[@]}" --style "$bad/$2" -o "$png"; }
rs 1 style-unknown-key.style;     has "style-unknown-key.style:3: backgroud-colour: unknown key"
rs 1 style-bad-colour.style;      has "style-bad-colour.style:2: text: bad value '#12345g'"
rs 1 style-short-colour.style;    has "style-short-colour.style:1: background: bad value '#fff'"
rs 1 style-bad-number.style;      has "style-bad-number.style:2: label-size: bad value '9pt'"
rs 1 style-zero-number.style;     has "style-zero-number.style:1: label-size: bad value '0'"
rs 1 style-nan-number.style;      has "style-nan-number.style:1: legend-size: bad value 'nan'"
rs 1 style-missing-equals.style;  has "style-missing-equals.style:2: ramp: expected 'key = value'"
rs 1 style-no-key.style;          has "style-no-key.style:2: no key before '='"
rs 1 style-empty-value.style;     has "style-empty-value.style:1: halo: bad value ''"
rs 1 style-ramp-one-colour.style; has "style-ramp-one-colour.style:1: ramp: bad value '#fed976' (2 to 9 colours"
rs 1 style-ramp-ten-colours.style; has "style-ramp-ten-colours.style:1: ramp: bad value '#000001, #000002,"
rs 1 style-commented-out.style;   has "style-commented-out.style:2: text: expected 'key = value'"
rs 1 style-nul-byte.style;        has "style-nul-byte.style:2: not text (a NUL byte)"
rs 1 garbage.bin;                 has "garbage.bin:1:"
[ ! -e "$png" ] || fail "a map was written with a bad style"
rs 0 style-missing-font.style
has "style-missing-font.style:2: font: 'Incimap Nonexistent Sans' is not installed; text falls back to '"
[ -s "$png" ] || fail "no map with a missing font"
# A long line is one line, not two.
{ printf 'background = #ffffff\nfont = '; head -c 5000 /dev/zero | tr '\0' F; printf '\n'; } >"$tmp/long.style"
run 1 -- "$bin" render "$bad/quetta.csv" "${tallies_args[@]}" --style "$tmp/long.style" -o "$tmp/l.png"
has "long.style:2: font: bad value 'FFF"
lacks "long.style:3"

# A gazetteer whose divisions name an unknown district or province: the
# file, line and field, and no answer.
mkdir -p "$tmp/data"
cp -r "$root/data/gazetteer" "$tmp/data/"
sed -i 's/^Zhob Division,Balochistan,ba-zhob;/Zhob Division,Balochistan,ba-atlantis;/' "$tmp/data/gazetteer/divisions.csv"
run 1 -- env INCIMAP_DATA="$tmp/data" "$bin" gazetteer lookup Quetta
has "divisions.csv:7: districts: an unknown district in 'ba-atlantis;"
cp "$root/data/gazetteer/divisions.csv" "$tmp/data/gazetteer/"
sed -i 's/^Zhob Division,Balochistan,/Zhob Division,Atlantis,/' "$tmp/data/gazetteer/divisions.csv"
run 1 -- env INCIMAP_DATA="$tmp/data" "$bin" gazetteer lookup Quetta
has "divisions.csv:7: province: unknown 'Atlantis'"

[ "$failures" -eq 0 ] && echo "bad input: all cases as documented"
exit $((failures > 0))
