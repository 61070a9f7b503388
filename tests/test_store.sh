#!/usr/bin/env bash
# The incident store end to end through the incimap command: import,
# idempotent re-import, updates, rejects, --strict leaving the file
# byte-for-byte unchanged, stats, export, and maps from the store.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/store.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
q() { sqlite3 "$db" "$1"; }

db=$tmp/incidents.db
seed=$root/data/incidents/seed.csv

"$bin" import "$seed" --db "$db" 2>"$tmp/err" || fail "import seed: $(cat "$tmp/err")"
grep -q '10 rows, 10 new, 0 updated, 0 unchanged, 0 rejected' "$tmp/err" || fail "first import: $(cat "$tmp/err")"
[ "$(q 'PRAGMA journal_mode')" = wal ] || fail "WAL mode"
[ "$(q 'PRAGMA user_version')" -ge 1 ] || fail "schema version"
[ "$(q 'SELECT count(*) FROM incidents')" -eq 10 ] || fail "10 incidents"
[ "$(q "SELECT date || ' ' || date_precision FROM incidents WHERE source_id = 'seed-010'")" = "2025-03 month" ] \
  || fail "month precision kept: $(q "SELECT date, date_precision FROM incidents WHERE source_id = 'seed-010'")"
[ "$(q "SELECT district FROM incidents WHERE source_id = 'seed-003'")" = Jamshoro ] || fail "Sehwan geocoded to Jamshoro"
[ "$(q "SELECT killed FROM incidents WHERE source_id = 'seed-010'")" = 30 ] || fail "killed kept"
[ "$(q "SELECT count(*) FROM import_runs WHERE inserted = 10 AND length(sha256) = 64")" = 1 ] || fail "run recorded"

# Importing the same file again adds nothing.
"$bin" import "$seed" --db "$db" 2>"$tmp/err" || fail "re-import"
grep -q '10 rows, 0 new, 0 updated, 10 unchanged' "$tmp/err" || fail "re-import: $(cat "$tmp/err")"
[ "$(q 'SELECT count(*) FROM incidents')" -eq 10 ] || fail "still 10 incidents"

# A newer version of the source: one record changed, one added.
mkdir -p "$tmp/v2"
sed 's/^seed-009,2019-05-11,day,Gwadar,Gwadar,Balochistan,attack,BLA,,,/seed-009,2019-05-11,day,Gwadar,Gwadar,Balochistan,attack,BLA,5,6,/' "$seed" > "$tmp/v2/seed.csv"
echo 'seed-011,2024-11-09,day,Quetta railway station,Quetta,Balochistan,suicide attack,BLA,26,62,test,added in a newer version' >> "$tmp/v2/seed.csv"
"$bin" import "$tmp/v2/seed.csv" --db "$db" 2>"$tmp/err" || fail "update import"
grep -q '11 rows, 1 new, 1 updated, 9 unchanged' "$tmp/err" || fail "update: $(cat "$tmp/err")"
[ "$(q "SELECT killed || '/' || injured FROM incidents WHERE source_id = 'seed-009'")" = 5/6 ] || fail "record updated"

# The counts per district that imports keep agree with the incidents
# after inserts and updates, and again after a record moves district.
# They are kept per district and province, and answer --province too.
totals_agree() {
  [ "$(q "SELECT count(*) FROM (
      SELECT coalesce(district_id, ''), coalesce(province, ''), count(*),
             coalesce(sum(killed), 0), coalesce(sum(injured), 0)
      FROM incidents GROUP BY 1, 2
      EXCEPT SELECT district_id, province, incidents, killed, injured
      FROM district_totals)")" = 0 ] &&
  [ "$(q 'SELECT count(*) FROM district_totals')" = \
    "$(q "SELECT count(*) FROM (SELECT DISTINCT coalesce(district_id, ''),
                                  coalesce(province, '') FROM incidents)")" ] &&
  [ "$("$bin" stats --db "$db" --by district --province Balochistan --format csv |
       tail -n +2 | cut -d, -f1,3-5 | sort)" = \
    "$(q "SELECT district, count(*), sum(coalesce(killed, 0)), sum(coalesce(injured, 0))
          FROM incidents WHERE province = 'Balochistan' GROUP BY district_id" |
       tr '|' ',' | sort)" ] &&
  [ "$("$bin" stats --db "$db" --by province --format csv | tail -n +2 | sort)" = \
    "$(q "SELECT province, count(*), sum(coalesce(killed, 0)), sum(coalesce(injured, 0))
          FROM incidents GROUP BY province" | tr '|' ',' | sort)" ]
}
totals_agree || fail "district totals after update: $(q 'SELECT * FROM district_totals')"
sed 's/^seed-009,2019-05-11,day,Gwadar,Gwadar,/seed-009,2019-05-11,day,Turbat,Kech,/' "$tmp/v2/seed.csv" > "$tmp/v2/moved.csv"
"$bin" import "$tmp/v2/moved.csv" --db "$db" --source seed 2>"$tmp/err" || fail "moved import"
grep -q '11 rows, 0 new, 1 updated, 10 unchanged' "$tmp/err" || fail "moved: $(cat "$tmp/err")"
[ "$(q "SELECT count(*) FROM district_totals WHERE district_id = 'ba-gwadar'")" = 0 ] || fail "emptied district dropped"
totals_agree || fail "district totals after a move: $(q 'SELECT * FROM district_totals')"
"$bin" import "$tmp/v2/seed.csv" --db "$db" --source seed 2>"$tmp/err" || fail "move back"
totals_agree || fail "district totals after moving back"

# Ids repeated inside one file, within and across the groups of rows a
# fresh source is inserted in: the first occurrence is new, a changed
# repeat updates it, an identical repeat leaves it unchanged (and so the
# same file imported again updates the repeated ids twice over).
{
  echo 'id,date,place,province,killed'
  echo 'r1,2020-01-01,Quetta,Balochistan,1'
  echo 'r2,2020-01-02,Quetta,Balochistan,2'
  echo 'r2,2020-01-02,Quetta,Balochistan,2'
  for i in $(seq 3 30); do echo "r$i,2020-02-$(printf %02d $((i % 28 + 1))),Peshawar,Khyber Pakhtunkhwa,$i"; done
  echo 'r5,2020-03-05,Mastung,Balochistan,50'
  echo 'r5,2020-03-05,Mastung,Balochistan,50'
  for i in $(seq 31 70); do echo "r$i,2021-01-01,Bannu,Khyber Pakhtunkhwa,1"; done
  echo 'r40,2021-01-01,Bannu,Khyber Pakhtunkhwa,4'
} > "$tmp/repeats.csv"
"$bin" import "$tmp/repeats.csv" --db "$tmp/repeats.db" 2>"$tmp/err" || fail "repeats: $(cat "$tmp/err")"
grep -q '74 rows, 70 new, 2 updated, 2 unchanged' "$tmp/err" || fail "repeats: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/repeats.db" "SELECT district || ' ' || killed FROM incidents WHERE source_id = 'r5'")" = "Mastung 50" ] \
  || fail "repeat r5 updated: $(sqlite3 "$tmp/repeats.db" "SELECT * FROM incidents WHERE source_id = 'r5'")"
[ "$(sqlite3 "$tmp/repeats.db" "SELECT killed FROM incidents WHERE source_id = 'r40'")" = 4 ] || fail "repeat r40 updated"
[ "$(sqlite3 "$tmp/repeats.db" "SELECT sum(incidents) || ' ' || sum(killed) FROM district_totals")" = \
  "$(sqlite3 "$tmp/repeats.db" "SELECT count(*) || ' ' || sum(killed) FROM incidents")" ] || fail "repeats: district totals"
"$bin" import "$tmp/repeats.csv" --db "$tmp/repeats.db" 2>"$tmp/err" || fail "repeats again"
grep -q '74 rows, 0 new, 4 updated, 70 unchanged' "$tmp/err" || fail "repeats again: $(cat "$tmp/err")"

# Bad rows: the good ones land, the bad ones are reported with lines.
printf 'id,date,place,province,killed,lat,lon\nb1,2020-01-05,Quetta,Balochistan,3,,\nb2,31/04/2020,Quetta,Balochistan,1,,\nb3,2020-02-01,Peshawar,KPK,many,,\nb4,2020-03-01,Bannu,KPK,2,north,70.6\nb5,2020-04-01,Bannu,KPK,0,,\nTotal,,,,6,,\n' > "$tmp/bad.csv"
"$bin" import "$tmp/bad.csv" --db "$db" --rejects "$tmp/rejects.csv" 2>"$tmp/err" || fail "import with rejects: $(cat "$tmp/err")"
grep -q "bad.csv:3: date: '31/04/2020' is not a date" "$tmp/err" || fail "bad date reported: $(cat "$tmp/err")"
grep -q "bad.csv:4: killed: 'many' is not a count" "$tmp/err" || fail "bad count reported"
grep -q "bad.csv:5: lat: 'north' is not a latitude" "$tmp/err" || fail "bad latitude reported"
grep -q "bad.csv:7: skipped a totals row" "$tmp/err" || fail "totals row skipped: $(cat "$tmp/err")"
grep -q '5 rows, 2 new, 0 updated, 0 unchanged, 3 rejected, 1 skipped' "$tmp/err" || fail "counts: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/rejects.csv")" -eq 4 ] || fail "rejects report has 3 rows: $(cat "$tmp/rejects.csv")"
[ "$(q "SELECT count(*) FROM incidents WHERE source = 'bad'")" = 2 ] || fail "two good rows imported"

# Counts past a billion are refused, since sums of them would overflow;
# leading zeros do not count towards the size.
printf 'id,date,place,killed,injured\nh1,2020-01-05,Quetta,1000000001,\nh2,2020-01-06,Quetta,0000000000007,"1,000,000,000"\n' > "$tmp/huge.csv"
"$bin" import "$tmp/huge.csv" --db "$tmp/huge.db" 2>"$tmp/err" || fail "huge counts: $(cat "$tmp/err")"
grep -q "huge.csv:2: killed: '1000000001' is more than a billion" "$tmp/err" || fail "huge count reported: $(cat "$tmp/err")"
grep -q '2 rows, 1 new, 0 updated, 0 unchanged, 1 rejected' "$tmp/err" || fail "huge counts: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/huge.db" "SELECT killed || ' ' || injured FROM incidents")" = "7 1000000000" ] \
  || fail "counts up to a billion kept: $(sqlite3 "$tmp/huge.db" "SELECT * FROM incidents")"

# --strict with one bad row: the store file does not change by a byte.
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
before=$(sha256sum "$db" | cut -d' ' -f1)
if "$bin" import "$tmp/bad.csv" --db "$db" --strict --source strict 2>"$tmp/err"; then
  fail "--strict accepted a bad row"
fi
grep -q 'rejected and --strict is set; nothing was imported' "$tmp/err" || fail "strict message: $(cat "$tmp/err")"
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$before" ] || fail "--strict changed the store"
[ "$(q "SELECT count(*) FROM incidents WHERE source = 'strict'")" = 0 ] || fail "--strict imported rows"
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity"

# A failed first import leaves no store, and no file beside its path: a
# new store is written under a temporary name and appears only whole.
mkdir "$tmp/fresh"
"$bin" import "$tmp/bad.csv" --db "$tmp/fresh/strict.db" --strict 2>/dev/null \
  && fail "--strict accepted a bad row into a new store"
[ -z "$(ls -A "$tmp/fresh")" ] || fail "a failed first import left: $(ls -A "$tmp/fresh")"
"$bin" import "$seed" --db "$tmp/fresh/ok.db" 2>/dev/null || fail "first import into a new store"
[ "$(ls -A "$tmp/fresh")" = ok.db ] || fail "a first import left: $(ls -A "$tmp/fresh")"
[ "$(sqlite3 "$tmp/fresh/ok.db" 'PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM incidents')" = "wal
ok
10" ] || fail "the new store: $(sqlite3 "$tmp/fresh/ok.db" 'PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM incidents')"

# Errors that stop before the store is touched.
"$bin" import "$tmp/missing.csv" --db "$tmp/new.db" 2>"$tmp/err" && fail "missing input accepted"
[ ! -e "$tmp/new.db" ] || fail "a failed import created a store"
"$bin" import "$seed" 2>"$tmp/err"; [ $? -eq 2 ] || fail "import without --db is a usage error"

# Stats.
"$bin" stats --db "$db" --by district --format csv > "$tmp/stats.csv" || fail "stats"
head -1 "$tmp/stats.csv" | grep -qx 'district,province,incidents,killed,injured' || fail "stats header: $(head -1 "$tmp/stats.csv")"
grep -qx 'Quetta,Balochistan,5,29,62' "$tmp/stats.csv" || fail "Quetta stats: $(cat "$tmp/stats.csv")"
grep -qx 'Mastung,Balochistan,3,30,0' "$tmp/stats.csv" || fail "Mastung stats: $(cat "$tmp/stats.csv")"
"$bin" stats --db "$db" --by year --format csv --from 2017 --to 2018 > "$tmp/years.csv" || fail "stats by year"
[ "$(cat "$tmp/years.csv")" = "$(printf 'year,incidents,killed,injured\n2017,2,0,0\n2018,2,0,0')" ] || fail "years: $(cat "$tmp/years.csv")"
"$bin" stats --db "$db" --by province --province Sindh --format json > "$tmp/p.json" || fail "stats json"
python3 -c "import json,sys; d=json.load(open('$tmp/p.json')); assert d==[{'province':'Sindh','incidents':3,'killed':0,'injured':0}], d" || fail "json: $(cat "$tmp/p.json")"
"$bin" stats --db "$db" --by district --min-precision 1 --format csv > "$tmp/prec.csv" || fail "min-precision"
"$bin" stats --db "$tmp/none.db" --by district 2>"$tmp/err"; [ $? -eq 2 ] || fail "stats on a missing store"
grep -q "no store at" "$tmp/err" || fail "missing store message"
"$bin" stats --db "$db" --by weekday 2>/dev/null; [ $? -eq 2 ] || fail "bad --by"

# Export: GeoPackage with CRS and points; GeoJSON; CSV.
"$bin" export --db "$db" -o "$tmp/out.gpkg" || fail "export gpkg"
ogrinfo -so -al "$tmp/out.gpkg" > "$tmp/info" 2>&1 || fail "ogrinfo gpkg"
grep -q 'Feature Count: 13' "$tmp/info" || fail "gpkg count: $(grep Count "$tmp/info")"
grep -q 'Geometry: Point' "$tmp/info" || fail "gpkg geometry"
grep -qE 'ID\["EPSG",4326\]' "$tmp/info" || fail "gpkg CRS EPSG:4326"
"$bin" export --db "$db" -o "$tmp/out.geojson" --province Sindh || fail "export geojson"
python3 -c "import json; d=json.load(open('$tmp/out.geojson')); assert len(d['features'])==3, len(d['features'])" || fail "geojson features"
"$bin" export --db "$db" -o "$tmp/out.csv" || fail "export csv"
[ "$(wc -l < "$tmp/out.csv")" -eq 14 ] || fail "csv rows"
"$bin" export --db "$db" -o "$tmp/out.xls" 2>/dev/null; [ $? -eq 2 ] || fail "unknown export format"

# Any GDAL source imports with --format ogr: the exports read back give
# the same incidents, keyed by their original source ids.
"$bin" import "$tmp/out.gpkg" --db "$tmp/ogr.db" --format ogr 2>"$tmp/err" || fail "import gpkg: $(cat "$tmp/err")"
grep -q '(ogr): 13 rows, 13 new' "$tmp/err" || fail "ogr import counts: $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/ogr.db" "SELECT group_concat(district_id, ' ') FROM (SELECT district_id FROM incidents ORDER BY source, source_id)")" = \
  "$(q "SELECT group_concat(district_id, ' ') FROM (SELECT district_id FROM incidents ORDER BY source, source_id)")" ] || fail "gpkg round trip districts"
"$bin" import "$tmp/out.geojson" --db "$tmp/ogr.db" --format ogr 2>"$tmp/err" || fail "import geojson"
grep -q '3 rows, 0 new, 0 updated, 3 unchanged' "$tmp/err" || fail "geojson re-import: $(cat "$tmp/err")"
"$bin" import "$tmp/nowhere.shp" --db "$tmp/ogr.db" --format ogr 2>"$tmp/err" && fail "missing ogr source accepted"

# Maps straight from the store.
"$bin" render --db "$db" -o "$tmp/db.pdf" --title "From the store" || fail "render --db"
pdftotext "$tmp/db.pdf" - | grep -q 'Quetta 5' || fail "render --db labels Quetta 5"
"$bin" render --db "$db" --from 2016 --to 2016 -o "$tmp/db2016.pdf" || fail "render --db with dates"
pdftotext "$tmp/db2016.pdf" - | grep -q 'Quetta 1' || fail "render --db --from/--to"
"$bin" render --db "$db" --type points -o "$tmp/dbpoints.png" || fail "render --db points"
# One province's records: the other provinces are grey context, not white
# districts that would read as free of incidents.
"$bin" render --db "$db" --province Balochistan -o "$tmp/ba.svg" || fail "render --db --province"
"$bin" render --db "$db" --province Balochistan --provinces Balochistan -o "$tmp/ba-focus.svg" || fail "render --provinces"
"$bin" render --db "$db" -o "$tmp/all.svg" || fail "render --db to SVG"
cmp -s "$tmp/ba.svg" "$tmp/ba-focus.svg" || fail "--province Balochistan does not map Balochistan alone"
[ "$(grep -c 'fill="#e4e4e0"' "$tmp/ba.svg")" -gt "$(grep -c 'fill="#e4e4e0"' "$tmp/all.svg")" ] \
  || fail "--province Balochistan: no more districts in grey than the map of all"
"$bin" render "$seed" --province Balochistan -o "$tmp/csv-ba.png" 2>"$tmp/err" && fail "--province on a CSV ignored silently"
grep -q 'use --provinces' "$tmp/err" || fail "--province on a CSV: $(cat "$tmp/err")"
# Records without coordinates stand at their town or their district's
# headquarters, as they do when drawn from the CSV itself.
"$bin" import "$seed" --db "$tmp/seedonly.db" 2>/dev/null || fail "import seed again"
"$bin" render --db "$tmp/seedonly.db" --type points -o "$tmp/dbpoints.svg" || fail "render --db points to SVG"
"$bin" render "$seed" --type points -o "$tmp/csvpoints.svg" || fail "render seed points to SVG"
grep -q '>Sehwan 2017-02-16<' "$tmp/dbpoints.svg" || fail "render --db points: no Sehwan"
[ "$(grep -o '>[A-Z][A-Za-z ]* 20[0-9][-0-9, ]*<' "$tmp/dbpoints.svg" | sort)" = \
  "$(grep -o '>[A-Z][A-Za-z ]* 20[0-9][-0-9, ]*<' "$tmp/csvpoints.svg" | sort)" ] \
  || fail "points from the store and from the CSV differ: $(grep -o '>[A-Z][A-Za-z ]* 20[0-9][-0-9, ]*<' "$tmp/dbpoints.svg")"

# A fresh source goes in sixteen records to a statement: a record without
# a point there must leave the others' coordinates (and its own) alone.
{
  echo "id,date,place,district,province,lat,lon,killed"
  for i in $(seq 0 33); do
    if [ $((i % 2)) -eq 0 ]; then
      echo "p$i,2020-01-01,Peshawar,Peshawar,Khyber Pakhtunkhwa,34.01,71.55,1"
    else
      echo "p$i,2020-01-01,Peshawar,Peshawar,Khyber Pakhtunkhwa,,,1"
    fi
  done
} >"$tmp/mixed.csv"
pdb=$tmp/mixed.db
"$bin" import "$tmp/mixed.csv" --db "$pdb" 2>/dev/null || fail "import of mixed points"
[ "$(sqlite3 "$pdb" "SELECT count(*) FROM incidents WHERE lat IS NOT NULL")" = 17 ] \
  || fail "records with points after a multi-row insert: $(sqlite3 "$pdb" "SELECT group_concat(source_id) FROM incidents WHERE lat IS NOT NULL")"
[ "$(sqlite3 "$pdb" "SELECT count(*) FROM incidents WHERE (lat IS NULL) != (substr(source_id, 2) % 2 = 1)")" = 0 ] \
  || fail "a record holds another's coordinates"

# Incidents without a district are counted apart, under no district's
# name: an ambiguous place names both candidates and is counted in neither.
adb=$tmp/ambiguous.db
printf 'date,place,province\n2020-01-01,Dasht,Balochistan\n2020-01-02,Mastung,Balochistan\n2020-01-03,Zzyzx,Balochistan\n' > "$tmp/amb.csv"
"$bin" import "$tmp/amb.csv" --db "$adb" 2>/dev/null || fail "import ambiguous"
[ "$(sqlite3 "$adb" "SELECT coalesce(district_id, '-') || ' ' || district FROM incidents WHERE place = 'Dasht'")" = "- Kech or Mastung" ] \
  || fail "ambiguous row: $(sqlite3 "$adb" "SELECT district_id, district FROM incidents WHERE place = 'Dasht'")"
for filter in "" "--from 2019-01-01"; do
  "$bin" stats --db "$adb" --by district --format csv $filter > "$tmp/amb-stats.csv" || fail "stats $filter"
  [ "$(tail -n +2 "$tmp/amb-stats.csv" | sort | tr '\n' ' ')" = "(none),Balochistan,2,0,0 Mastung,Balochistan,1,0,0 " ] \
    || fail "stats $filter: $(cat "$tmp/amb-stats.csv")"
done

# An analyst's own places (--places) place villages the gazetteer lacks;
# a bad places file fails the import before the store is touched.
printf 'name,district,lat,lon\nZzyzx Kalay,Khyber Agency,,\nQqarpa Banda,kp-bajaur,34.70,71.45\n' > "$tmp/places.csv"
printf 'date,place,province\n2020-02-01,Zzyzx Kalay,Khyber Pakhtunkhwa\n2020-02-02,near Qqarpa Banda,KP\n' > "$tmp/villages.csv"
vdb=$tmp/villages.db
"$bin" import "$tmp/villages.csv" --db "$vdb" --places "$tmp/places.csv" 2>"$tmp/err" || fail "import --places: $(cat "$tmp/err")"
[ "$(sqlite3 "$vdb" "SELECT group_concat(district_id || ' ' || precision, ', ') FROM (SELECT * FROM incidents ORDER BY date)")" = "kp-khyber 2, kp-bajaur 2" ] \
  || fail "import --places: $(sqlite3 "$vdb" "SELECT place, district_id, precision FROM incidents")"
cp "$vdb" "$tmp/villages.before"
printf 'name,district\nZzyzx Kalay,Atlantis\n' > "$tmp/badplaces.csv"
"$bin" import "$seed" --db "$vdb" --places "$tmp/badplaces.csv" 2>"$tmp/err" && fail "import with a bad places file succeeded"
grep -q "badplaces.csv:2: district: 'Atlantis' is not a district" "$tmp/err" || fail "bad places file: $(cat "$tmp/err")"
sqlite3 "$vdb" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cmp -s "$vdb" "$tmp/villages.before" || fail "a failed import with --places changed the store"

[ "$failures" -eq 0 ] && echo "all store checks passed"
exit $((failures > 0))
