#!/usr/bin/env bash
# Hostile text in inputs and arguments: it is stored, filtered on and drawn
# as text, never run as SQL, read as a format or parsed as markup, and a
# data file never makes incimap open another file.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/security.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
q() { sqlite3 "$db" "$1"; }

db=$tmp/incidents.db
seed=$root/data/incidents/seed.csv
"$bin" import "$seed" --db "$db" 2>"$tmp/err" || fail "import seed: $(cat "$tmp/err")"

# SQL in values: the place, actor and notes are stored as written, and a
# file name with quotes is recorded as it is.
hostile="$tmp/it's \"x\"; DROP TABLE incidents; --.csv"
{
  head -1 "$seed"
  echo "sec-1,2020-01-05,day,\"Quetta'); DROP TABLE incidents; --\",,Balochistan,attack,\"Robert'); DROP TABLE import_runs;--\",1,2,,\"%s%n%x\""
} > "$hostile"
"$bin" import "$hostile" --db "$db" 2>"$tmp/err" || fail "import hostile: $(cat "$tmp/err")"
[ "$(q 'SELECT count(*) FROM incidents')" -eq 11 ] || fail "incidents after hostile import: $(q 'SELECT count(*) FROM incidents')"
[ "$(q 'SELECT count(*) FROM import_runs')" -eq 2 ] || fail "import_runs intact"
[ "$(q "SELECT file FROM import_runs ORDER BY id DESC LIMIT 1")" = "$hostile" ] \
  || fail "file name recorded: $(q 'SELECT file FROM import_runs ORDER BY id DESC LIMIT 1')"
[ "$(q "SELECT actor FROM incidents WHERE source_id = 'sec-1'")" = "Robert'); DROP TABLE import_runs;--" ] \
  || fail "actor stored as written"
[ "$(q "SELECT notes FROM incidents WHERE source_id = 'sec-1'")" = '%s%n%x' ] || fail "notes stored as written"

# SQL in filters: a province that is not one is refused before any query
# (tests/test_store_filter.c gives such values to the library itself),
# and punctuation around a real name is ignored as everywhere else.
for p in "x' OR '1'='1" "'; DROP TABLE incidents; --"; do
  "$bin" stats --db "$db" --by district --province "$p" --format csv >"$tmp/out" 2>"$tmp/err" \
    && fail "stats --province \"$p\" accepted"
  grep -qF "unknown province '$p'" "$tmp/err" || fail "stats --province \"$p\": $(cat "$tmp/err")"
  [ ! -s "$tmp/out" ] || fail "stats --province \"$p\" printed rows"
done
out=$("$bin" stats --db "$db" --by district --province "Balochistan' --" --format csv 2>"$tmp/err")
[ "$(printf '%s\n' "$out" | grep -vc ',Balochistan,')" -eq 1 ] || fail "province with punctuation: $out"
out=$("$bin" stats --db "$db" --by year --to "2000' OR '1'='1" --format csv 2>&1) && fail "hostile --to accepted: $out"
[ "$(q 'SELECT count(*) FROM incidents')" -eq 11 ] || fail "incidents after hostile filters"

# Markup in titles, labels and names is text in the SVG: the document
# stays well formed and holds no element of the input's.
title='<script>alert(1)</script> ]]> <![CDATA[ x'
"$bin" render "$seed" --title "$title" --subtitle "$(printf 'ctl\001 bad\377 & \"q\" %%s%%n')" \
  --source "</text><script>alert(2)</script>" --label '{name} <b>{value}</b>' \
  -o "$tmp/map.svg" 2>"$tmp/err" || fail "render hostile svg: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "render hostile svg warned: $(cat "$tmp/err")"
xmllint --noout "$tmp/map.svg" 2>"$tmp/err" || fail "SVG not well formed: $(cat "$tmp/err")"
[ "$(xmllint --xpath 'count(//*[local-name()="script" or local-name()="b"])' "$tmp/map.svg")" = 0 ] \
  || fail "markup from the input became elements"
xmllint --xpath 'string(//*[local-name()="text"][contains(., "alert(1)")])' "$tmp/map.svg" \
  | grep -qF '<script>alert(1)</script> ]]> <![CDATA[ x' || fail "title not drawn as text"
xmllint --xpath 'string(//*[local-name()="text"][contains(., "alert(2)")])' "$tmp/map.svg" \
  | grep -qF '</text><script>alert(2)</script>' || fail "source line not drawn as text"
grep -qF '&lt;b&gt;' "$tmp/map.svg" || fail "label markup not escaped"
grep -qF '%s%n' "$tmp/map.svg" || fail "format characters not drawn as written"
"$bin" render "$seed" --title "$title" -o "$tmp/map.png" 2>"$tmp/err" || fail "render hostile png: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "render hostile png warned: $(cat "$tmp/err")"

# A data file never makes incimap open another: an OGR VRT naming the
# seed file is refused as a source of incidents or boundaries.
cat > "$tmp/x.vrt" <<VRT
<OGRVRTDataSource><OGRVRTLayer name="incidents">
<SrcDataSource>$seed</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>
VRT
before=$(q 'SELECT count(*) FROM incidents')
"$bin" import "$tmp/x.vrt" --format ogr --db "$db" 2>"$tmp/err" && fail "VRT imported"
grep -q "x.vrt" "$tmp/err" || fail "VRT refusal names the file: $(cat "$tmp/err")"
[ "$(q 'SELECT count(*) FROM incidents')" = "$before" ] || fail "VRT import changed the store"
"$bin" render "$root/data/incidents/seed-tallies.csv" --value-column count \
  --boundaries "$tmp/x.vrt" -o "$tmp/vrt.png" 2>"$tmp/err" && fail "VRT boundaries read"
[ ! -e "$tmp/vrt.png" ] || fail "map written from VRT boundaries"
"$bin" render --db "$tmp/x.vrt" -o "$tmp/vrt2.png" 2>"$tmp/err" && fail "VRT read as a store"
[ ! -e "$tmp/vrt2.png" ] || fail "map written from a VRT store"

[ "$failures" -eq 0 ] && echo "security: all checks passed"
exit "$((failures > 0))"
