#!/usr/bin/env bash
# incimap mentions on the seed articles in ../shared/seeds: across them it
# must find Mastung 12, Quetta 10, Bajaur 36 and Peshawar 19 (each from a
# sentence that pairs places with numbers of attacks), in CSV and in JSON.
# Skipped (77) where ../shared/seeds is absent.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
seeds=$root/../shared/seeds
ls "$seeds"/*.txt >/dev/null 2>&1 || { echo "no $seeds; skipped"; exit 77; }
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/mentions.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

header=district,province,kind,text,offset,count,sentence
for f in "$seeds"/*.txt; do
  name=$(basename "$f" .txt)
  if ! "$bin" mentions "$f" >"$tmp/$name.csv" 2>"$tmp/$name.err"; then
    fail "mentions $f: $(cat "$tmp/$name.err")"
    continue
  fi
  [ -s "$tmp/$name.err" ] && fail "mentions $f wrote to stderr: $(cat "$tmp/$name.err")"
  [ "$(head -n 1 "$tmp/$name.csv")" = "$header" ] || fail "$name: header $(head -n 1 "$tmp/$name.csv")"
  # Every offset, in characters, points at the text as written in the
  # file (the seeds hold curly quotes and dashes before many names).
  python3 -c '
import csv, sys
text = open(sys.argv[1], encoding="utf-8").read()
for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")):
    o = int(r["offset"])
    if text[o:o + len(r["text"])] != r["text"]:
        print("offset %d holds %r, not %r" % (o, text[o:o + len(r["text"])], r["text"]))
' "$f" "$tmp/$name.csv" >"$tmp/$name.offsets" 2>&1
  [ -s "$tmp/$name.offsets" ] && fail "$name: $(cat "$tmp/$name.offsets")"
  "$bin" mentions --format json "$f" >"$tmp/$name.json" || fail "json $f"
  if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert isinstance(a, list) and all(set(o) == set(sys.argv[2].split(",")) for o in a)' \
      "$tmp/$name.json" "$header" || fail "$name.json is not an array of mentions"
  fi
done

cat "$tmp"/*.csv >"$tmp/all"
for want in Mastung,12 Quetta,10 Bajaur,36 Peshawar,19; do
  district=${want%,*} count=${want#*,}
  awk -F, -v d="$district" -v c="$count" '$1 == d && $3 != "province" && $6 == c { found = 1 }
      END { exit !found }' "$tmp/all" || fail "no mention of $district with count $count"
done
# Those counts come from the two sentences that give them, and no other
# district gets a count.
others=$(awk -F, '$6 != "" && $6 != "count" && $3 != "province" { print $1 "," $6 }' "$tmp/all" | sort -u | tr '\n' ' ')
[ "$others" = "Bajaur,36 Mastung,12 Peshawar,19 Quetta,10 " ] || fail "district counts: $others"

[ "$failures" -eq 0 ] && echo "districts mentioned: $(awk -F, 'NR > 1 && $1 != "district" && $1 != "" { print $1 }' "$tmp/all" | sort | uniq -c | sort -rn | awk '{ print $2 " (" $1 ")" }' | tr '\n' ' ')"
exit $((failures > 0))
