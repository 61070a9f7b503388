#!/usr/bin/env bash
# PROJ is loaded (from incimap-proj.so) only to check the closed form of
# the projection, and the check is recorded in the cache directory: a map
# with a valid record must not need the module and must be byte-identical;
# a record that no longer describes the module or the PROJ library it ran
# must be ignored; without a record, a missing module is an error naming
# it.  $1 is the module, $2 one whose metres are a millimetre off PROJ's,
# $3 the library (no PROJ module).
set -u
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
module=${1:?} skewed=${2:?} library=${3:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/proj.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

export INCIMAP_CACHE_DIR=$tmp/cache
unset INCIMAP_PROJ_MODULE
tallies=$root/data/incidents/seed-tallies.csv
record=$INCIMAP_CACHE_DIR/projection.imcheck
render() { "$bin" render "$tallies" --value-column count -o "$1" --width 800 --height 600 "${@:2}"; }
# A module that cannot be loaded: only a valid record lets a map through.
no_proj() { INCIMAP_PROJ_MODULE=/nonexistent/incimap-proj.so "$@"; }
# Needs the module: fails with a message naming it.
needs_module() {
  rm -f "$tmp/x.png"
  no_proj render "$tmp/x.png" 2>"$tmp/err" && fail "$1: rendered without the PROJ module"
  grep -q "cannot load the PROJ module /nonexistent/incimap-proj.so: " "$tmp/err" ||
    fail "$1: no message naming the module: $(cat "$tmp/err")"
  [ ! -e "$tmp/x.png" ] || fail "$1: a map was left by the failed render"
}
fresh() { rm -rf "$INCIMAP_CACHE_DIR"; }

# An empty cache: the module is needed, and a missing one is an error.
needs_module "empty cache"
[ ! -e "$record" ] || fail "a record was written without the module"

# First map: checked through the module, the record left; second map:
# without the module, byte for byte the same.
render "$tmp/first.png" 2>"$tmp/err" || fail "first render: $(cat "$tmp/err")"
[ -s "$record" ] || fail "no record left in $INCIMAP_CACHE_DIR"
grep -q "^libproj .*libproj" "$record" || fail "record names no PROJ library: $(head -5 "$record")"
no_proj render "$tmp/second.png" 2>"$tmp/err" || fail "render from the record: $(cat "$tmp/err")"
cmp -s "$tmp/first.png" "$tmp/second.png" || fail "the map from the record differs"
"$bin" render "$tallies" --value-column count -o "$tmp/second.svg" 2>/dev/null
INCIMAP_CACHE_DIR= "$bin" render "$tallies" --value-column count -o "$tmp/nocache.svg" 2>/dev/null
cmp -s "$tmp/second.svg" "$tmp/nocache.svg" || fail "SVG from the record differs from one without"
cp "$record" "$tmp/good"

# Without a cache the module is loaded every time.
INCIMAP_CACHE_DIR= render "$tmp/nocache.png" 2>"$tmp/err" || fail "render without cache: $(cat "$tmp/err")"
cmp -s "$tmp/first.png" "$tmp/nocache.png" || fail "the map without a cache differs"
INCIMAP_CACHE_DIR= no_proj render "$tmp/x.png" 2>/dev/null &&
  fail "rendered without a cache and without the module"

# Any line of the record changed: ignored, the module needed again, and
# the record written anew by the next map with it.
edits=(
  "s/^\(libproj [0-9]* [0-9]* \)\([0-9]*\)/\1999\2/"           # size
  "s/^\(libproj [0-9]* [0-9]* [0-9]* [0-9]*\.\)[0-9]/\1X/"    # mtime (ns)
  "s/^\(libproj [0-9]* \)[0-9]*/\11/"                         # inode
  "s|^\(libproj [0-9]* [0-9]* [0-9]* [0-9.]* \).*|\1/nonexistent/libproj.so|"
  "s|^\(libproj [^/]*\).*|\1$bin|"                            # another file
  "s/^\(module [0-9]* [0-9]* \)\([0-9]*\)/\11\2/"
  "s/lat_1=26/lat_1=27/"
  "s/^closed 0x1\.\(.\)/closed 0x1.X/"
  "s/incimap projection check 1/incimap projection check 0/"
  "8s/p+0\$/p+1/"                                              # a scale
  "\$d"                                                        # truncated
)
for e in "${edits[@]}"; do
  sed "$e" "$tmp/good" >"$record"
  cmp -s "$record" "$tmp/good" && { fail "test set-up: '$e' changed nothing"; continue; }
  needs_module "record edited with '$e'"
  render "$tmp/x.png" 2>"$tmp/err" || fail "render over a record edited with '$e': $(cat "$tmp/err")"
  no_proj render "$tmp/y.png" 2>/dev/null || fail "the record edited with '$e' was not replaced"
  cmp -s "$tmp/first.png" "$tmp/y.png" || fail "map after the record edited with '$e' differs"
done
printf 'garbage\n' >"$record"
needs_module "garbage record"

# A module of its own: a record names it, and any change to its file
# (here its modification time) makes the record void.
fresh
cp "$module" "$tmp/module.so"
INCIMAP_PROJ_MODULE=$tmp/module.so render "$tmp/x.png" 2>"$tmp/err" || fail "copied module: $(cat "$tmp/err")"
grep -q "^module .* $tmp/module.so\$" "$record" || fail "record does not name the module used: $(sed -n 4p "$record")"
no_proj render "$tmp/x.png" 2>/dev/null || fail "record of the copied module not used"
touch -d '2001-01-01 00:00:00.5' "$tmp/module.so"
needs_module "module touched"

# A module whose metres disagree with the closed form: the map is drawn
# through it, and nothing is recorded.
fresh
INCIMAP_PROJ_MODULE=$skewed render "$tmp/skewed.png" 2>"$tmp/err" || fail "render through PROJ: $(cat "$tmp/err")"
[ ! -e "$record" ] || fail "a record was written though the closed form disagreed"
needs_module "after a disagreement"

# Something that is not a PROJ module is refused by name.
INCIMAP_CACHE_DIR= INCIMAP_PROJ_MODULE=$library render "$tmp/x.png" 2>"$tmp/err" &&
  fail "rendered with a library that is no PROJ module"
grep -qF "$library: not a PROJ module" "$tmp/err" || fail "no message for a foreign module: $(cat "$tmp/err")"

# An unwritable cache directory costs nothing but the record.
INCIMAP_CACHE_DIR=/proc/no-cache-here render "$tmp/y.png" 2>"$tmp/err" ||
  fail "render with an unusable cache: $(cat "$tmp/err")"
cmp -s "$tmp/first.png" "$tmp/y.png" || fail "map with an unusable cache differs"

[ "$failures" -eq 0 ] && echo "PROJ module: all checks passed"
exit $((failures > 0))
