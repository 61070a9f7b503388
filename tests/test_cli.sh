#!/usr/bin/env bash
# The incimap command run for real: exit codes, one-line errors naming the
# file, line and field, and no output left behind by a failed render.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect CODE PATTERN -- command...: exit code and a stderr pattern.
expect() {
  local code=$1 pattern=$2; shift 3
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local got=$?
  [ "$got" -eq "$code" ] || fail "$* exited $got, want $code: $(cat "$tmp/stderr")"
  if [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$tmp/stderr" "$tmp/stdout"; then
    fail "$*: output lacks /$pattern/: $(cat "$tmp/stderr")"
  fi
}

tallies=$root/data/incidents/seed-tallies.csv

expect 2 "usage: incimap" -- "$bin"
expect 2 "'frobnicate' is not a command" -- "$bin" frobnicate
expect 0 "usage: incimap render" -- "$bin" render --help
expect 2 "unknown option '--bogus'" -- "$bin" render --bogus "$tallies" -o "$tmp/a.png"
expect 2 "no output file" -- "$bin" render "$tallies"
expect 2 "--width: 'wide' is not a whole number" -- "$bin" render "$tallies" -o "$tmp/a.png" --width wide
expect 2 "--type: 'bars'" -- "$bin" render "$tallies" -o "$tmp/a.png" --type bars

# A missing input names the file and leaves no output.
expect 1 "cannot open '$tmp/missing.csv'" -- "$bin" render "$tmp/missing.csv" -o "$tmp/a.png"
[ ! -e "$tmp/a.png" ] || fail "output written for a missing input"

# An unknown district names file, line and field; an existing output is
# left exactly as it was.
printf 'district,count\nQuetta,10\nAtlantis,3\n' > "$tmp/bad.csv"
echo old > "$tmp/keep.png"
expect 1 "bad.csv:3: district: unknown district 'Atlantis'" -- \
  "$bin" render "$tmp/bad.csv" --value-column count -o "$tmp/keep.png"
[ "$(cat "$tmp/keep.png")" = old ] || fail "existing output was overwritten"
ls "$tmp" | grep -q tmp && fail "temporary file left behind: $(ls "$tmp")"

printf 'district,count\nQuetta,ten\n' > "$tmp/badvalue.csv"
expect 1 "badvalue.csv:2: count: 'ten' is not a non-negative number" -- \
  "$bin" render "$tmp/badvalue.csv" --value-column count -o "$tmp/b.png"
expect 1 "tallies.csv:1: no column 'attacks'" -- \
  "$bin" render "$tallies" --value-column attacks -o "$tmp/b.png"
printf 'district,count\nQuetta,10\nQuetta Cantt,2\n' > "$tmp/dup.csv"
expect 1 "dup.csv:3: district: second row for Quetta \(first on line 2\)" -- \
  "$bin" render "$tmp/dup.csv" --value-column count -o "$tmp/b.png"
[ ! -e "$tmp/b.png" ] || fail "output written for bad values"
expect 1 "cannot open boundaries '$tmp/nowhere.gpkg'" -- \
  "$bin" render "$tallies" --value-column count --boundaries "$tmp/nowhere.gpkg" -o "$tmp/b.png"
expect 2 "unknown province 'Atlantis'" -- \
  "$bin" render "$tallies" --value-column count --provinces Atlantis -o "$tmp/b.png"
expect 2 "unknown output format 'bmp'" -- \
  "$bin" render "$tallies" --value-column count -o "$tmp/b.bmp"
printf 'background = #ffffff\nramp = #fed976, #bd0026\ncolour = #000000\n' > "$tmp/bad.style"
expect 1 "bad.style:3: colour: unknown key" -- \
  "$bin" render "$tallies" --value-column count --style "$tmp/bad.style" -o "$tmp/b.png"
printf 'label-size = huge\n' > "$tmp/bad2.style"
expect 1 "bad2.style:1: label-size: bad value 'huge'" -- \
  "$bin" render "$tallies" --value-column count --style "$tmp/bad2.style" -o "$tmp/b.png"
[ ! -e "$tmp/b.png" ] || fail "output written after errors"

# Successful renders, one per format, recognised by their magic bytes.
for ext in png svg pdf; do
  expect 0 "" -- "$bin" render "$tallies" --value-column count -o "$tmp/ok.$ext"
done
head -c 8 "$tmp/ok.png" | grep -q PNG || fail "ok.png is not a PNG"
head -c 5 "$tmp/ok.pdf" | grep -q '%PDF' || fail "ok.pdf is not a PDF"
grep -q '<svg' "$tmp/ok.svg" || fail "ok.svg is not SVG"
for s in default print dark; do
  expect 0 "" -- "$bin" render "$tallies" --value-column count --style "$s" -o "$tmp/style-$s.png"
done
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" -o "$tmp/records.png"
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" --type points -o "$tmp/points.png"

# Other GDAL sources as boundaries: a GeoPackage, and a Shapefile in a
# projected CRS (UTM 42N), which must be transformed back to WGS 84.
emb=$root/data/boundaries/districts.geojson
if command -v ogr2ogr >/dev/null; then
  ogr2ogr -f GPKG "$tmp/d.gpkg" "$emb" 2>/dev/null || fail "ogr2ogr gpkg"
  expect 0 "" -- "$bin" render "$tallies" --value-column count --boundaries "$tmp/d.gpkg" -o "$tmp/gpkg.png"
  ogr2ogr -f "ESRI Shapefile" -t_srs EPSG:32642 "$tmp/d.shp" "$emb" 2>/dev/null || fail "ogr2ogr shp"
  expect 0 "" -- "$bin" render "$tallies" --value-column count --boundaries "$tmp/d.shp" -o "$tmp/shp.pdf"
  pdftotext "$tmp/shp.pdf" - | grep -q "Bajaur 36" || fail "Shapefile render lacks 'Bajaur 36'"
  expect 1 "no field 'NAME_X'" -- "$bin" render "$tallies" --value-column count --boundaries "$tmp/d.gpkg" --name-field NAME_X -o "$tmp/c.png"
else
  fail "ogr2ogr not installed (gdal-bin)"
fi

# Presets size the page; PNGs record their resolution; the same inputs
# give the same bytes.
for p in "slide 1920 x 1080" "square 1080 x 1080" "a4 2480 x 3508" "a4-landscape 3508 x 2480"; do
  set -- $p
  expect 0 "" -- "$bin" render "$tallies" --value-column count --preset "$1" -o "$tmp/preset-$1.png"
  file "$tmp/preset-$1.png" | grep -q "$2 x $4" || fail "preset $1: $(file "$tmp/preset-$1.png")"
done
python3 -c "
import struct,sys
d=open('$tmp/preset-a4.png','rb').read(); i=d.find(b'pHYs')
x,y,u=struct.unpack('>IIB', d[i+4:i+13])
assert i > 0 and u == 1 and abs(x - 300/0.0254) < 1, (x, y, u)" || fail "a4 PNG records 300 dpi"
expect 0 "" -- "$bin" render "$tallies" --value-column count --preset a4 -o "$tmp/a4.pdf"
pdfinfo "$tmp/a4.pdf" | grep -q 'Page size: *595 x 842' || fail "a4 PDF page size"
expect 2 "--preset: 'poster'" -- "$bin" render "$tallies" --value-column count --preset poster -o "$tmp/x.png"
for ext in png svg pdf; do
  "$bin" render "$tallies" --value-column count -o "$tmp/same1.$ext" 2>/dev/null
  sleep 1
  "$bin" render "$tallies" --value-column count -o "$tmp/same2.$ext" 2>/dev/null
  cmp -s "$tmp/same1.$ext" "$tmp/same2.$ext" || fail "two renders to $ext differ"
done

# The span of the records' dates is on the map.
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" -o "$tmp/span.pdf"
pdftotext "$tmp/span.pdf" - | grep -q 'Incidents dated 2015-05-13 – 2025-03' || fail "date span on the map"

# Crowded: every current district of the three provinces labelled.  Labels
# that collide wrap onto two lines before shrinking or moving.
{ echo "district,count"
  "$bin" gazetteer list | awk -F, 'NR > 1 && $7 == "current" &&
    ($3 == "Balochistan" || $3 == "Khyber Pakhtunkhwa" || $3 == "Sindh") {
    printf "\"%s\",%d\n", $2, NR }'; } >"$tmp/crowded.csv"
[ "$(wc -l <"$tmp/crowded.csv")" -gt 90 ] || fail "crowded.csv: too few districts"
expect 0 "" -- "$bin" render "$tmp/crowded.csv" --value-column count -o "$tmp/crowded.svg"
wrapped=$(grep 'font-weight="bold"' "$tmp/crowded.svg" | grep -cE '>[0-9]+</text>')
[ "$wrapped" -ge 1 ] || fail "crowded map: no label wrapped onto a second line"
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/crowded.svg" | grep -qE 'Labels: [^.]* [0-9]+; ' \
  || fail "crowded map: labels missing from the desc"
# Kachhi is drawn as Bolan, its former name, in the embedded boundaries.
printf 'district,count\nKachhi,5\n' >"$tmp/kachhi.csv"
expect 0 "" -- "$bin" render "$tmp/kachhi.csv" --value-column count -o "$tmp/kachhi.svg"
grep -q '>Bolan 5</text>' "$tmp/kachhi.svg" || fail "Kachhi not counted in the Bolan polygon"

# Small multiples: one map per year, one shared legend.
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" --facet year --title "By year" -o "$tmp/facets.pdf"
pdftotext -raw "$tmp/facets.pdf" - > "$tmp/facets.txt"
for y in 2015 2016 2019 2025; do grep -q "^$y" "$tmp/facets.txt" || fail "facet $y missing"; done
[ "$(grep -c 'No recorded incident' "$tmp/facets.txt")" -eq 1 ] || fail "facets share one legend"
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" --facet year -o "$tmp/facets.png"
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" --facet year -o "$tmp/facets.svg"
xmllint --noout "$tmp/facets.svg" || fail "facets.svg is not valid XML"
for y in 2015 2019 2025; do grep -q ">$y</text>" "$tmp/facets.svg" || fail "facet $y title not <text> in the SVG"; done
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/facets.svg" | grep -q '2019: Quetta 1; Mastung 1; Gwadar 1\.' \
  || fail "facets desc: $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/facets.svg")"
[ "$(grep -c '>No recorded incident</text>' "$tmp/facets.svg")" -eq 1 ] || fail "SVG facets share one legend"
expect 2 "small multiples are written as .png, .svg or .pdf" -- "$bin" render "$root/data/incidents/seed.csv" --facet year -o "$tmp/facets.gif"
expect 1 "the records have no dates" -- "$bin" render "$tallies" --value-column count --facet year -o "$tmp/x.png"

# Graduated symbols and choropleth with points.
expect 0 "" -- "$bin" render "$tallies" --value-column count --type symbols -o "$tmp/sym.svg"
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/sym.svg" | grep -q 'Legend: 20; 5; 1. Labels: Bajaur 36' \
  || fail "symbols legend: $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/sym.svg")"
expect 0 "" -- "$bin" render "$root/data/incidents/seed.csv" --type choropleth+points -o "$tmp/both.svg"
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/both.svg" | grep -q 'Legend: 3; 2; 1; No recorded incident. Labels: Quetta 3; Mastung 3' \
  || fail "choropleth+points: $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/both.svg")"

# Urdu names, shaped by Pango, and kept as Unicode text in the SVG.
expect 0 "" -- "$bin" render "$tallies" --value-column count --lang ur -o "$tmp/ur.svg"
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/ur.svg" | grep -q 'مستونگ 12' \
  || fail "Urdu label: $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/ur.svg")"
grep -q '>مستونگ 12</text>' "$tmp/ur.svg" || fail "Urdu label as an SVG <text> element"
expect 0 "" -- "$bin" render "$tallies" --value-column count --lang en+ur -o "$tmp/enur.pdf"
pdftotext "$tmp/enur.pdf" - | grep -q 'Mastung 12' || fail "en+ur keeps the English label"
expect 2 "--lang: 'fr'" -- "$bin" render "$tallies" --value-column count --lang fr -o "$tmp/x.png"

# Rates per 100,000 inhabitants from the gazetteer's census figures,
# checked against the table itself.
expect 0 "" -- "$bin" render "$tallies" --value-column count --per 100000 -o "$tmp/per.svg"
want=$(python3 -c "
import csv
pop = {r['district_id']: int(r['population_2023'] or r['population_2017']) for r in csv.DictReader(open('$root/data/gazetteer/district-facts.csv')) if (r['population_2023'] or r['population_2017'])}
print('Bajaur %.3g' % (36 / pop['kp-bajaur'] * 1e5))")
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/per.svg" | grep -q "$want" \
  || fail "rate label '$want': $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/per.svg")"
expect 2 "--per: 'many'" -- "$bin" render "$tallies" --value-column count --per many -o "$tmp/x.png"

# Classification schemes and palettes: the legend in the SVG's text.
expect 0 "" -- "$bin" render "$tallies" --value-column count --breaks 5,15,30 --palette Blues -o "$tmp/manual.svg"
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/manual.svg" | grep -q 'Legend: 31–36; 16–30; 6–15; 1–5; No recorded incident' \
  || fail "manual legend: $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/manual.svg")"
expect 0 "" -- "$bin" render "$tallies" --value-column count --classes 2 -o "$tmp/two.svg"
xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/two.svg" | grep -q 'Legend: 20–36; 10–19; No recorded incident' \
  || fail "jenks legend: $(xmllint --xpath 'string(//*[local-name()="desc"])' "$tmp/two.svg")"
expect 2 "unknown palette 'Nope'" -- "$bin" render "$tallies" --value-column count --palette Nope -o "$tmp/x.png"
expect 2 "--breaks: '5,3'" -- "$bin" render "$tallies" --value-column count --breaks 5,3 -o "$tmp/x.png"
expect 2 "--scheme: 'best'" -- "$bin" render "$tallies" --value-column count --scheme best -o "$tmp/x.png"

# The gazetteer lookup answers in CSV.
expect 0 "" -- "$bin" gazetteer lookup "D.I.Khan" "Sehwan town" "Atlantis"
grep -q '^D.I.Khan,kp-dera-ismail-khan,Dera Ismail Khan,Khyber Pakhtunkhwa,alias' "$tmp/stdout" \
  || fail "D.I.Khan lookup: $(cat "$tmp/stdout")"
grep -q '^Sehwan town,sd-jamshoro,Jamshoro,Sindh,place' "$tmp/stdout" \
  || fail "Sehwan lookup: $(cat "$tmp/stdout")"
grep -q '^Atlantis,,,,unmatched' "$tmp/stdout" || fail "Atlantis lookup: $(cat "$tmp/stdout")"
# Options may follow the texts; an ambiguous answer names both districts
# and no position.
expect 0 "" -- "$bin" gazetteer lookup Dasht "Dasht, Mastung" --province Balochistan
grep -q '^Dasht,ba-kech or ba-mastung,Kech or Mastung,Balochistan,ambiguous,0.50,,$' "$tmp/stdout" \
  || fail "ambiguous lookup: $(cat "$tmp/stdout")"
grep -q '^"Dasht, Mastung",ba-mastung,Mastung,Balochistan,place,0.90,' "$tmp/stdout" \
  || fail "settled lookup: $(cat "$tmp/stdout")"
! grep -q -- '--province' "$tmp/stdout" || fail "an option read as text: $(cat "$tmp/stdout")"
expect 0 "" -- "$bin" gazetteer search Dasht --province Balochistan
[ "$(tail -n +2 "$tmp/stdout" | cut -d, -f4 | sort -u)" = Balochistan ] \
  || fail "search --province: $(cat "$tmp/stdout")"
grep -q '^Dasht,ba-kech,' "$tmp/stdout" && grep -q '^Dasht,ba-mastung,' "$tmp/stdout" \
  || fail "search lists both: $(cat "$tmp/stdout")"

# geocode copies every row and appends the result columns.
printf 'id,place,province,latitude,longitude\n1,"D.I Khan ",,,\n2,"Tangi, Charsadda District",KPK,,\n3,Peshawar,,30.25,66.95\n4,,,34.53,69.17\n5,Sindh,,,\n' > "$tmp/in.csv"
expect 0 "" -- "$bin" geocode "$tmp/in.csv" -o "$tmp/out.csv"
head -1 "$tmp/out.csv" | grep -qx 'id,place,province,latitude,longitude,district,province,match_method,match_score,precision' \
  || fail "geocode header: $(head -1 "$tmp/out.csv")"
[ "$(wc -l < "$tmp/out.csv")" -eq 6 ] || fail "geocode keeps every row"
grep -q '^1,D.I Khan,,,,Dera Ismail Khan,Khyber Pakhtunkhwa,alias,0.95,' "$tmp/out.csv" || fail "geocode row 1: $(sed -n 2p "$tmp/out.csv")"
grep -q '^2,"Tangi, Charsadda District",KPK,,,Charsadda,Khyber Pakhtunkhwa,place,' "$tmp/out.csv" || fail "geocode row 2: $(sed -n 3p "$tmp/out.csv")"
grep -q '^3,Peshawar,,30.25,66.95,Quetta,Balochistan,conflict,' "$tmp/out.csv" || fail "geocode row 3: $(sed -n 4p "$tmp/out.csv")"
grep -q '^4,,,34.53,69.17,,,unmatched,0.00,$' "$tmp/out.csv" || fail "geocode row 4: $(sed -n 5p "$tmp/out.csv")"
grep -q '^5,Sindh,,,,,Sindh,unmatched,0.00,3$' "$tmp/out.csv" || fail "geocode row 5: $(sed -n 6p "$tmp/out.csv")"
# "-o -" writes the same rows to standard output, and no file named "-".
(cd "$tmp" && "$bin" geocode in.csv -o - > piped.csv) || fail "geocode -o - exited non-zero"
cmp -s "$tmp/piped.csv" "$tmp/out.csv" || fail "geocode -o -: $(head -3 "$tmp/piped.csv")"
[ ! -e "$tmp/-" ] || fail "geocode -o - wrote a file named '-'"
printf 'place,lat,lon\nQuetta,north,66.9\n' > "$tmp/badgeo.csv"
# A district column (found by its usual names, or named) is the fallback
# for a village the gazetteer does not list, and wins over a namesake.
printf 'Location,Tribal Agency\nZzyzx Kalay,NWA\nMiranshah,NWA\nTangi,SWA\n' > "$tmp/agency.csv"
expect 0 "" -- "$bin" geocode "$tmp/agency.csv" -o "$tmp/agency.out"
grep -q '^Zzyzx Kalay,NWA,North Waziristan,Khyber Pakhtunkhwa,alias,0.95,3$' "$tmp/agency.out" || fail "agency row 1: $(sed -n 2p "$tmp/agency.out")"
grep -q '^Miranshah,NWA,North Waziristan,Khyber Pakhtunkhwa,place,0.90,1$' "$tmp/agency.out" || fail "agency row 2: $(sed -n 3p "$tmp/agency.out")"
grep -q '^Tangi,SWA,South Waziristan,Khyber Pakhtunkhwa,alias,0.95,3$' "$tmp/agency.out" || fail "agency row 3: $(sed -n 4p "$tmp/agency.out")"
# An ambiguous name is named with both candidates; across provinces the
# province stays open too.
printf 'place,province\nDasht,Balochistan\nKhanpur,\n' > "$tmp/amb.csv"
expect 0 "" -- "$bin" geocode "$tmp/amb.csv" -o "$tmp/amb.out"
grep -q '^Dasht,Balochistan,Kech or Mastung,Balochistan,ambiguous,0.50,3$' "$tmp/amb.out" || fail "ambiguous row 1: $(sed -n 2p "$tmp/amb.out")"
grep -q '^Khanpur,,[A-Za-z ]* or [A-Za-z ]*,,ambiguous,0.50,3$' "$tmp/amb.out" || fail "ambiguous row 2: $(sed -n 3p "$tmp/amb.out")"
printf 'place,where\nZzyzx Kalay,Kech\n' > "$tmp/where.csv"
expect 0 "" -- "$bin" geocode "$tmp/where.csv" --district-column where -o "$tmp/where.out"
grep -q '^Zzyzx Kalay,Kech,Kech,Balochistan,exact,1.00,3$' "$tmp/where.out" || fail "--district-column: $(sed -n 2p "$tmp/where.out")"
printf 'district,n\nKech,3\n' > "$tmp/only.csv"
expect 0 "" -- "$bin" geocode "$tmp/only.csv" -o "$tmp/only.out"
grep -q '^Kech,3,Kech,Balochistan,exact,1.00,3$' "$tmp/only.out" || fail "district column alone: $(sed -n 2p "$tmp/only.out")"
printf 'n\n3\n' > "$tmp/none.csv"
expect 1 "none.csv:1: no place column" -- "$bin" geocode "$tmp/none.csv" -o "$tmp/x.csv"
expect 1 "no column 'agency'" -- "$bin" geocode "$tmp/where.csv" --district-column agency -o "$tmp/x.csv"
expect 1 "badgeo.csv:2: lat: bad latitude 'north'" -- "$bin" geocode "$tmp/badgeo.csv" -o "$tmp/badgeo.out"
[ ! -e "$tmp/badgeo.out" ] || fail "geocode left output after an error"
expect 1 "no column 'site'" -- "$bin" geocode "$tmp/in.csv" --place-column site -o "$tmp/x.csv"

expect 0 "" -- "$bin" gazetteer search "Dera Ismial Khan"
sed -n 2p "$tmp/stdout" | grep -q '^Dera Ismial Khan,kp-dera-ismail-khan,' || fail "search: $(cat "$tmp/stdout")"
expect 0 "" -- "$bin" gazetteer list --province Balochistan
grep -q '^ba-mastung,Mastung,Balochistan,' "$tmp/stdout" || fail "list lacks Mastung"
grep -q ',Sindh,' "$tmp/stdout" && fail "list --province Balochistan shows Sindh"
expect 2 "unknown province 'Atlantis'" -- "$bin" gazetteer list --province Atlantis

# --places adds an analyst's own villages; its errors name file, line and
# field, and leave no output.
printf 'name,district,province,lat,lon\nZzyzx Kalay,Kurram Agency,,33.80,70.10\nQqarpa,Malir,Sindh,,\n' > "$tmp/places.csv"
printf 'city,provstate\nZzyzx Kalay,FATA\n10 km north of Qqarpa,Sindh\nQqarpa,Balochistan\n' > "$tmp/villages.csv"
expect 0 "" -- "$bin" geocode "$tmp/villages.csv" --places "$tmp/places.csv" -o "$tmp/villages.out"
[ "$(cut -d, -f3- "$tmp/villages.out" | tr '\n' ' ')" = \
  "district,province,match_method,match_score,precision Kurram,Khyber Pakhtunkhwa,place,0.90,1 Malir,Sindh,place,0.90,2 ,Balochistan,unmatched,0.00, " ] \
  || fail "geocode --places: $(cat "$tmp/villages.out")"
expect 0 "" -- "$bin" geocode "$tmp/villages.csv" -o "$tmp/villages.out"
grep -q '^Zzyzx Kalay,FATA,,.*unmatched' "$tmp/villages.out" || fail "Zzyzx Kalay placed without --places: $(cat "$tmp/villages.out")"
expect 0 "" -- "$bin" gazetteer lookup --places "$tmp/places.csv" "Zzyzx Kalay"
grep -q '^Zzyzx Kalay,kp-kurram,Kurram,Khyber Pakhtunkhwa,place,0.90,70.1000,33.8000$' "$tmp/stdout" || fail "lookup --places: $(cat "$tmp/stdout")"
printf 'Two attacks in Zzyzx Kalay and one in Qqarpa.\n' > "$tmp/article.txt"
expect 0 "" -- "$bin" mentions "$tmp/article.txt" --places "$tmp/places.csv"
grep -q '^Kurram,Khyber Pakhtunkhwa,place,Zzyzx Kalay,15,2,' "$tmp/stdout" || fail "mentions --places: $(cat "$tmp/stdout")"
grep -q '^Malir,Sindh,place,Qqarpa,' "$tmp/stdout" || fail "mentions --places: $(cat "$tmp/stdout")"
printf 'date,place,killed\n2020-01-01,Zzyzx Kalay,3\n2020-01-02,Qqarpa,1\n' > "$tmp/points.csv"
expect 1 "points.csv:2: place: cannot locate 'Zzyzx Kalay'" -- "$bin" render "$tmp/points.csv" --type points -o "$tmp/points.svg"
expect 0 "" -- "$bin" render "$tmp/points.csv" --type points --places "$tmp/places.csv" -o "$tmp/points.svg"
grep -q '>Zzyzx Kalay 2020-01-01<' "$tmp/points.svg" || fail "render --places: no label for Zzyzx Kalay"
grep -q '>Qqarpa 2020-01-02<' "$tmp/points.svg" || fail "render --places: no label for Qqarpa (an area, at Malir's HQ)"
printf 'name,district,lat,lon\nZzyzx Kalay,Kurram,33.8,70.1\nQqarpa,Malir,95,67\n' > "$tmp/badlat.csv"
expect 1 "badlat.csv:3: lat: '95' is not a latitude" -- "$bin" geocode "$tmp/villages.csv" --places "$tmp/badlat.csv" -o "$tmp/badlat.out"
[ ! -e "$tmp/badlat.out" ] || fail "geocode left output after a bad places file"
printf 'name,district\nQqarpa,Sehwan\n' > "$tmp/town.csv"
expect 1 "town.csv:2: district: 'Sehwan' is not a district" -- "$bin" gazetteer search --places "$tmp/town.csv" Qqarpa
printf 'name,district,province\nQqarpa,Khyber,Sindh\n' > "$tmp/wrongprov.csv"
expect 1 "wrongprov.csv:2: district: 'Khyber' is not a district of Sindh" -- "$bin" gazetteer list --places "$tmp/wrongprov.csv"
printf 'place,district\nQqarpa,Malir\n' > "$tmp/nocol.csv"
expect 1 "nocol.csv:1: missing column 'name'" -- "$bin" mentions "$tmp/article.txt" --places "$tmp/nocol.csv"
expect 1 "cannot open '$tmp/absent.csv'|absent.csv" -- "$bin" geocode "$tmp/villages.csv" --places "$tmp/absent.csv" -o "$tmp/x.csv"

[ "$failures" -eq 0 ] && echo "all CLI checks passed"
exit $((failures > 0))
