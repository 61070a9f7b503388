#!/usr/bin/env bash
# Boundary files are read through GDAL by a helper process
# (src/layer_reader.h): the map must be the same as when the drawing
# process reads the file itself, the helper's warnings must reach the
# user once each, and a helper that fails, dies or writes nonsense must
# give a clear error and no map.
set -u
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
reader=$(dirname "${INCIMAP:?}")/incimap-layer-reader
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/reader.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

export INCIMAP_CACHE_DIR=
tallies=$root/data/incidents/seed-tallies.csv
src=$tmp/districts.geojson
cp "$root/data/boundaries/districts.geojson" "$src"
render() { "$bin" render "$tallies" --boundaries "$1" -o "$2" --width 800 --height 600 "${@:3}"; }
# In this process: no helper to run.
in_process() { INCIMAP_LAYER_READER=$tmp/no-such-reader "$@"; }
# The helper, run through a wrapper that leaves a mark.
marked() {
  printf '#!/bin/sh\ntouch "%s/ran"\nexec "%s" "$@"\n' "$tmp" "$reader" >"$tmp/wrapper"
  chmod +x "$tmp/wrapper"
  rm -f "$tmp/ran"
  INCIMAP_LAYER_READER=$tmp/wrapper "$@"
}
# A helper that behaves as given.
fake() {
  printf '#!/bin/sh\n%s\n' "$1" >"$tmp/fake"
  chmod +x "$tmp/fake"
  INCIMAP_LAYER_READER=$tmp/fake "${@:2}"
}

[ -x "$reader" ] || fail "no helper at $reader"

# The helper reads the file, and the drawing process needs no GDAL module
# of its own; the map is byte for byte the one drawn in one process.
(export INCIMAP_GDAL_MODULE=$tmp/no-such-module.so
 marked render "$src" "$tmp/apart.png") 2>"$tmp/err" ||
  fail "render through the helper: $(cat "$tmp/err")"
[ -e "$tmp/ran" ] || fail "the helper was not run"
in_process render "$src" "$tmp/inproc.png" 2>"$tmp/err" || fail "render in one process: $(cat "$tmp/err")"
cmp -s "$tmp/apart.png" "$tmp/inproc.png" || fail "the helper's map differs from one process's"
render "$src" "$tmp/apart.svg" 2>/dev/null || fail "SVG through the helper"
in_process render "$src" "$tmp/inproc.svg" 2>/dev/null || fail "SVG in one process"
cmp -s "$tmp/apart.svg" "$tmp/inproc.svg" || fail "the helper's SVG differs from one process's"

# The geocoder's polygons come the same way.
printf 'place,latitude,longitude\nx,29.6,67.0\n' >"$tmp/pts.csv"
"$bin" geocode "$tmp/pts.csv" -o "$tmp/pts.out" --boundaries "$src" 2>"$tmp/err" ||
  fail "geocode through the helper: $(cat "$tmp/err")"
grep -q "x,29.6,67.0,Mastung,Balochistan,coordinates," "$tmp/pts.out" || fail "geocode: $(cat "$tmp/pts.out")"

# The helper's warnings, once each, as in one process.
sed 's/"name":"Awaran"/"name":"Awarak"/' "$src" >"$tmp/renamed.geojson"
render "$tmp/renamed.geojson" "$tmp/x.png" 2>"$tmp/err" || fail "render of a renamed polygon"
n=$(grep -c "polygon 'Awarak' matches no district" "$tmp/err")
[ "$n" -eq 1 ] || fail "the unmatched polygon warned $n times: $(cat "$tmp/err")"
in_process render "$tmp/renamed.geojson" "$tmp/y.png" 2>"$tmp/err1" || fail "renamed, one process"
cmp -s "$tmp/err" "$tmp/err1" || fail "warnings differ: $(cat "$tmp/err") / $(cat "$tmp/err1")"
render "$root/tests/bad/self-intersecting.geojson" "$tmp/x.png" 2>"$tmp/err"
grep -q "crosses itself" "$tmp/err" || fail "no warning for a faulty source: $(cat "$tmp/err")"

# Errors the helper meets are the map's errors, with the file named.
rm -f "$tmp/none.png"
render "$tmp/no-such.geojson" "$tmp/none.png" 2>"$tmp/err" && fail "rendered a missing file"
grep -q "cannot open boundaries '$tmp/no-such.geojson'" "$tmp/err" || fail "missing file: $(cat "$tmp/err")"
render "$root/tests/bad/truncated.geojson" "$tmp/none.png" 2>"$tmp/err" && fail "rendered a truncated file"
grep -q "truncated.geojson" "$tmp/err" || fail "truncated file not named: $(cat "$tmp/err")"
render "$root/tests/bad/no-polygons.geojson" "$tmp/none.png" 2>"$tmp/err" && fail "rendered a file without polygons"
grep -q "no-polygons.geojson: no polygons" "$tmp/err" || fail "no polygons: $(cat "$tmp/err")"
[ -e "$tmp/none.png" ] && fail "a map was written after an error"

# A helper that fails without saying why, dies, or writes nonsense.
fake 'echo "something broke" >&2; exit 3' render "$src" "$tmp/none.png" 2>"$tmp/err" &&
  fail "rendered after the helper failed"
grep -q "failed (exit status 3): something broke" "$tmp/err" || fail "failed helper: $(cat "$tmp/err")"
fake 'kill -9 $$' render "$src" "$tmp/none.png" 2>"$tmp/err" && fail "rendered after the helper died"
grep -q "stopped by signal 9" "$tmp/err" || fail "killed helper: $(cat "$tmp/err")"
fake 'echo "IMLAYER2 but not really"' render "$src" "$tmp/none.png" 2>"$tmp/err" &&
  fail "rendered from nonsense"
grep -q "not a compiled layer file\|truncated or damaged" "$tmp/err" || fail "nonsense: $(cat "$tmp/err")"
fake 'head -c 100 /dev/zero' render "$src" "$tmp/none.png" 2>"$tmp/err" && fail "rendered from zeros"
grep -q "not a compiled layer file" "$tmp/err" || fail "zeros: $(cat "$tmp/err")"
[ -e "$tmp/none.png" ] && fail "a map was written after the helper failed"

# The helper on its own: usage and a clean error line.
"$reader" 2>"$tmp/err" >/dev/null && fail "helper without arguments succeeded"
grep -q "^error	[0-9]*	usage" "$tmp/err" || fail "helper usage: $(cat "$tmp/err")"
"$reader" "" "" "$tmp/no-such.geojson" "" 2>"$tmp/err" >/dev/null && fail "helper read a missing file"
grep -q "^error	[0-9]*	cannot open boundaries" "$tmp/err" || fail "helper error line: $(cat "$tmp/err")"

[ "$failures" -eq 0 ] && echo "layer reader: all checks passed"
exit $((failures > 0))
