#!/usr/bin/env bash
# Boundary layers read through GDAL are kept in the cache directory: the
# next map from the same file must be byte-identical and must not need
# GDAL; a changed, damaged or faulty source must never be drawn from a
# stale copy.
set -u
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/cache.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

export INCIMAP_CACHE_DIR=$tmp/cache
tallies=$root/data/incidents/seed-tallies.csv
src=$tmp/districts.geojson
cp "$root/data/boundaries/districts.geojson" "$src"
# With neither the reader helper nor a GDAL module to load, only a cached
# layer can draw.
no_gdal() {
  INCIMAP_LAYER_READER=$tmp/no-such-reader INCIMAP_GDAL_MODULE=$tmp/no-such-module.so "$@"
}
render() { "$bin" render "$tallies" --boundaries "$1" -o "$2" --width 800 --height 600 "${@:3}"; }
copies() { find "$INCIMAP_CACHE_DIR" -name '*.imlayer' 2>/dev/null | wc -l; }

# Without a cache, GDAL is needed: the control for every no_gdal below.
INCIMAP_CACHE_DIR= no_gdal render "$src" "$tmp/nocache.png" 2>"$tmp/err" &&
  fail "rendered a GDAL source without the GDAL module"
grep -q "cannot load the GDAL module" "$tmp/err" || fail "no module error: $(cat "$tmp/err")"
INCIMAP_CACHE_DIR= render "$src" "$tmp/nocache.png" 2>/dev/null || fail "render without cache"
[ "$(copies)" -eq 0 ] || fail "a copy was kept with the cache turned off"

# First map: read through GDAL, one copy kept; second map: from the copy,
# without GDAL, byte for byte the same.
render "$src" "$tmp/first.png" 2>/dev/null || fail "first render"
[ "$(copies)" -eq 1 ] || fail "$(copies) copies kept, want 1"
no_gdal render "$src" "$tmp/second.png" 2>"$tmp/err" || fail "cached render: $(cat "$tmp/err")"
cmp -s "$tmp/first.png" "$tmp/second.png" || fail "cached map differs from the first"
cmp -s "$tmp/nocache.png" "$tmp/second.png" || fail "cached map differs from an uncached one"
"$bin" render "$tallies" --boundaries "$src" -o "$tmp/second.svg" --width 800 --height 600 2>/dev/null
INCIMAP_CACHE_DIR= "$bin" render "$tallies" --boundaries "$src" -o "$tmp/nocache.svg" --width 800 --height 600 2>/dev/null
cmp -s "$tmp/nocache.svg" "$tmp/second.svg" || fail "cached SVG differs from an uncached one"
# The geocoder reads its polygons the same way.
printf 'place,latitude,longitude\nx,29.6,67.0\n' >"$tmp/pts.csv"
no_gdal "$bin" geocode "$tmp/pts.csv" -o "$tmp/pts.out" --boundaries "$src" 2>"$tmp/err" ||
  fail "cached geocode: $(cat "$tmp/err")"
grep -q "x,29.6,67.0,Mastung,Balochistan,coordinates," "$tmp/pts.out" || fail "geocode: $(cat "$tmp/pts.out")"

# Another name field is another layer.
no_gdal render "$src" "$tmp/x.png" --name-field name 2>/dev/null &&
  fail "a layer read with another name field came from the cache"

# The same size and time but other bytes: read again, and the renamed
# polygon is warned about on this run and on the next (cached) one.
stamp=$(stat -c %Y "$src")
sed -i 's/"name":"Awaran"/"name":"Awarak"/' "$src"
touch -d "@$stamp" "$src"
grep -q Awarak "$src" || fail "test set-up: no polygon renamed"
no_gdal render "$src" "$tmp/x.png" 2>/dev/null && fail "an edited source was drawn from the cache"
render "$src" "$tmp/edited.png" 2>"$tmp/err" || fail "edited render"
grep -q "polygon 'Awarak' matches no district" "$tmp/err" || fail "no warning: $(cat "$tmp/err")"
no_gdal render "$src" "$tmp/edited2.png" 2>"$tmp/err" || fail "edited cached render: $(cat "$tmp/err")"
grep -q "polygon 'Awarak' matches no district" "$tmp/err" || fail "warning lost from the cache: $(cat "$tmp/err")"
cmp -s "$tmp/edited.png" "$tmp/edited2.png" || fail "cached edited map differs"
[ "$(copies)" -eq 1 ] || fail "$(copies) copies, want 1: an edited source replaces its copy"

# A damaged copy is read again from the source, without complaint.
for f in "$INCIMAP_CACHE_DIR"/*.imlayer; do head -c 3000 "$f" >"$f.cut" && mv "$f.cut" "$f"; done
render "$src" "$tmp/repaired.png" 2>"$tmp/err" || fail "render over a damaged copy: $(cat "$tmp/err")"
cmp -s "$tmp/edited.png" "$tmp/repaired.png" || fail "map over a damaged copy differs"
no_gdal render "$src" "$tmp/x.png" 2>/dev/null || fail "the damaged copy was not replaced"

# A source that warns (a ring crossing itself) is read anew every time.
bad=$tmp/self-intersecting.geojson
cp "$root/tests/bad/self-intersecting.geojson" "$bad"
n=$(copies)
render "$bad" "$tmp/bad.png" 2>"$tmp/err"
grep -q "crosses itself" "$tmp/err" || fail "no warning for the faulty source: $(cat "$tmp/err")"
[ "$(copies)" -eq "$n" ] || fail "a source that warned was kept"
render "$bad" "$tmp/bad.png" 2>"$tmp/err"
grep -q "crosses itself" "$tmp/err" || fail "the warning was not repeated"

# An unwritable cache directory costs nothing but the copy.
INCIMAP_CACHE_DIR=/proc/no-cache-here render "$src" "$tmp/y.png" 2>"$tmp/err" ||
  fail "render with an unusable cache: $(cat "$tmp/err")"
cmp -s "$tmp/edited.png" "$tmp/y.png" || fail "map with an unusable cache differs"

[ "$failures" -eq 0 ] && echo "layer cache: all checks passed"
exit $((failures > 0))
