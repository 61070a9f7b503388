#!/usr/bin/env bash
# Maps and counts from a PostGIS table through GDAL: a real PostgreSQL
# server with PostGIS, started on a free loopback port in a temporary
# directory, holding the seed incidents as incimap export writes them and
# loaded with ogr2ogr, as a team would.  Skipped (77) only where the
# PostgreSQL server binaries are not installed.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
root=${INCIMAP_SOURCE_ROOT:?}

# Debian keeps the server binaries out of PATH, one directory per major
# version: the one an initdb on PATH links to, else the newest.
pgbin=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V) \
         "$(dirname "$(readlink -f "$(command -v initdb || echo /nonexistent)")")"; do
  ok=1
  for b in initdb postgres pg_ctl pg_isready psql; do
    [ -x "$d/$b" ] || ok=0
  done
  [ "$ok" -eq 1 ] && pgbin=$d
done
if [ -z "$pgbin" ]; then
  echo "SKIP: no PostgreSQL server binaries (tools/setup installs them)"
  exit 77
fi

tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/postgis.XXXXXX")
# The server refuses to run as root, so as root it runs as the postgres
# user, in a directory of its own under /tmp: the build tree need not be
# reachable by that user.  The socket goes there too, not into
# /var/run/postgresql, which a normal user cannot write.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "FAIL: running as root and there is no postgres user" >&2; exit 1; }
  as_pg=(runuser -u postgres --)
  pgdir=$(mktemp -d /tmp/incimap-pg.XXXXXX)
  chown postgres: "$pgdir"
else
  pgdir=$(mktemp -d /tmp/incimap-pg.XXXXXX)
fi
server=
cleanup() {
  if [ -n "$server" ]; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
  fi
  rm -rf "$tmp" "$pgdir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
# incimap with its messages in $tmp/err; a sanitizer's report fails the
# test even where the exit status is the one expected.
run() {
  "$bin" "$@" 2>"$tmp/err"
  local rc=$?
  grep -qE 'runtime error:|Sanitizer' "$tmp/err" && fail "incimap $*: $(cat "$tmp/err")"
  return $rc
}

"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U incimap -A trust -E UTF8 \
  --no-locale --no-sync >"$tmp/initdb.log" 2>&1 || die "initdb: $(tail -5 "$tmp/initdb.log")"

# A port the kernel just handed out, tried again if someone else took it
# in the meantime.
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_pg[@]}" "$pgbin/postgres" -D "$pgdir/data" -k "$pgdir" -p "$port" \
    -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB \
    -c max_connections=20 >"$pgdir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do
    "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  server=
done
[ -n "$server" ] || die "postgres did not start: $(tail -5 "$pgdir/server.log" 2>/dev/null)"

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=incimap
conn="dbname=incidents host=127.0.0.1 port=$port user=incimap"
sql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d incidents -At -c "$1"; }
"$pgbin/psql" -X -q -d postgres -c 'CREATE DATABASE incidents' >"$tmp/err" 2>&1 || die "createdb: $(cat "$tmp/err")"
sql 'CREATE EXTENSION postgis' >"$tmp/err" 2>&1 || die "CREATE EXTENSION postgis: $(cat "$tmp/err")"

# The seed through the store and its GeoPackage export into PostGIS.
db=$tmp/incidents.db
run import "$root/data/incidents/seed.csv" --db "$db" || die "import: $(cat "$tmp/err")"
run export --db "$db" -o "$tmp/export.gpkg" || die "export: $(cat "$tmp/err")"
ogr2ogr -f PostgreSQL PG:"$conn" "$tmp/export.gpkg" -nln incidents 2>"$tmp/err" \
  || die "ogr2ogr: $(cat "$tmp/err")"
[ "$(sql 'SELECT count(*) FROM incidents')" = 10 ] || fail "10 rows in PostGIS"
[ "$(sql "SELECT srid FROM geometry_columns WHERE f_table_name = 'incidents'")" = 4326 ] \
  || fail "geometry column in EPSG:4326"

# A choropleth from PostGIS: the same labels as from the store.
run render --db PG:"$conn" -o "$tmp/map.pdf" --title "From PostGIS" \
  || fail "render --db PG: $(cat "$tmp/err")"
pdftotext "$tmp/map.pdf" "$tmp/map.txt" 2>/dev/null || fail "pdftotext"
grep -q 'Mastung 3' "$tmp/map.txt" || fail "Mastung 3: $(tr '\n' ' ' < "$tmp/map.txt")"
grep -q 'Quetta 3' "$tmp/map.txt" || fail "Quetta 3"
run render --db "$db" -o "$tmp/store.pdf" --title "From PostGIS" || fail "render --db store"
pdftotext "$tmp/store.pdf" "$tmp/store.txt" 2>/dev/null
cmp -s "$tmp/map.txt" "$tmp/store.txt" || fail "PostGIS and store maps differ in text"
# A point map: the seed has no coordinates, so its incidents stand at
# their towns or their districts' headquarters, as from the store.
run render --db PG:"$conn" --type points -o "$tmp/pgpoints.svg" || fail "render --db PG points: $(cat "$tmp/err")"
run render --db "$db" --type points -o "$tmp/storepoints.svg" || fail "render --db store points"
[ "$(grep -o '>[A-Z][A-Za-z ]* 20[0-9][-0-9, ]*<' "$tmp/pgpoints.svg" | sort)" = \
  "$(grep -o '>[A-Z][A-Za-z ]* 20[0-9][-0-9, ]*<' "$tmp/storepoints.svg" | sort)" ] \
  || fail "PostGIS and store point maps differ: $(grep -o '>[A-Z][A-Za-z ]* 20[0-9][-0-9, ]*<' "$tmp/pgpoints.svg")"
grep -q '>Sehwan 2017-02-16<' "$tmp/pgpoints.svg" || fail "PostGIS points: no Sehwan"
# Filters become SQL on the server.
run render --db PG:"$conn" --from 2016 --to 2016 -o "$tmp/2016.pdf" || fail "render --from/--to: $(cat "$tmp/err")"
pdftotext "$tmp/2016.pdf" - | grep -q 'Quetta 1' || fail "--from 2016 --to 2016 gives Quetta 1"
run render --db PG:"$conn" --province Sindh -o "$tmp/sindh.pdf" || fail "render --province: $(cat "$tmp/err")"
pdftotext "$tmp/sindh.pdf" - | grep -q 'Quetta' && fail "--province Sindh still maps Quetta"

# Counts: the same as from the store, filters included.
for args in "--by district" "--by province" "--by month" \
            "--by year --from 2017 --to 2019" "--by month --from 2019-01 --to 2019-05" \
            "--by month --from 2019-01-01 --to 2019-01" "--by district --from 2019-02" \
            "--by district --from 2030" "--by category --province Balochistan" \
            "--by district --min-precision 1"; do
  # shellcheck disable=SC2086
  run stats --db "$db" $args --format csv > "$tmp/stats-store.csv"
  # shellcheck disable=SC2086
  run stats --db PG:"$conn" $args --format csv > "$tmp/stats-pg.csv" \
    || fail "stats $args: $(cat "$tmp/err")"
  cmp -s "$tmp/stats-store.csv" "$tmp/stats-pg.csv" \
    || fail "stats $args: PostGIS gives $(tr '\n' ' ' < "$tmp/stats-pg.csv") store $(tr '\n' ' ' < "$tmp/stats-store.csv")"
done
grep -qx 'Mastung,Balochistan,3,30,0' "$tmp/stats-pg.csv" || fail "Mastung stats"

# Records without a district (one ambiguous, one unmatched) are one row
# with no name, as from the store.
adb=$tmp/ambiguous.db
printf 'date,place,province\n2020-01-01,Dasht,Balochistan\n2020-01-02,Mastung,Balochistan\n2020-01-03,Zzyzx,Balochistan\n' > "$tmp/amb.csv"
run import "$tmp/amb.csv" --db "$adb" || fail "import ambiguous: $(cat "$tmp/err")"
run export --db "$adb" -o "$tmp/amb.gpkg" || fail "export ambiguous: $(cat "$tmp/err")"
ogr2ogr -f PostgreSQL PG:"$conn" "$tmp/amb.gpkg" -nln amb 2>"$tmp/err" \
  || fail "ogr2ogr ambiguous: $(cat "$tmp/err")"
run stats --db "$adb" --by district --format csv > "$tmp/amb-store.csv"
run stats --db PG:"$conn" --table amb --by district --format csv > "$tmp/amb-pg.csv" \
  || fail "stats ambiguous: $(cat "$tmp/err")"
cmp -s "$tmp/amb-store.csv" "$tmp/amb-pg.csv" \
  || fail "stats ambiguous: PostGIS gives $(tr '\n' ' ' < "$tmp/amb-pg.csv") store $(tr '\n' ' ' < "$tmp/amb-store.csv")"
grep -qx '(none),Balochistan,2,0,0' "$tmp/amb-pg.csv" || fail "no-district row: $(tr '\n' ' ' < "$tmp/amb-pg.csv")"

# The seed has no coordinates.  A table of points only, with no district
# columns: each counts in the polygon containing it.
sql "CREATE TABLE located (id serial PRIMARY KEY, place text, date text,
       category text, killed integer, injured integer, geom geometry(Point, 4326));
     INSERT INTO located (place, date, category, killed, injured, geom) VALUES
       ('Quetta', '2017-12-17', 'attack', 9, 57, ST_SetSRID(ST_MakePoint(66.99, 30.20), 4326)),
       ('Quetta', '2016-08-08', 'bombing', 70, 112, ST_SetSRID(ST_MakePoint(67.00, 30.19), 4326)),
       ('Mastung', '2018-07-13', 'suicide attack', 128, 200, ST_SetSRID(ST_MakePoint(66.84, 29.80), 4326)),
       ('Peshawar', '2023-01-30', 'suicide attack', 84, 220, ST_SetSRID(ST_MakePoint(71.53, 34.00), 4326))" \
  >"$tmp/err" 2>&1 || fail "table of points: $(cat "$tmp/err")"
run render --db PG:"$conn" --table located -o "$tmp/located.pdf" \
  || fail "render --table located: $(cat "$tmp/err")"
pdftotext "$tmp/located.pdf" "$tmp/located.txt" 2>/dev/null
for label in 'Quetta 2' 'Mastung 1' 'Peshawar 1'; do
  grep -q "$label" "$tmp/located.txt" || fail "points located: $label: $(tr '\n' ' ' < "$tmp/located.txt")"
done
run render --db PG:"$conn" --table located --type points -o "$tmp/points.png" \
  || fail "render points: $(cat "$tmp/err")"
[ "$(head -c 8 "$tmp/points.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "points map is a PNG"
run render --db PG:"$conn" --type points -o "$tmp/nopoints.png" || fail "render points, none located: $(cat "$tmp/err")"
cmp -s "$tmp/points.png" "$tmp/nopoints.png" && fail "points map shows no points"
run render --db PG:"$conn" --table located --type points -o "$tmp/points.pdf" || fail "render points PDF: $(cat "$tmp/err")"
pdftotext "$tmp/points.pdf" "$tmp/points.txt" 2>/dev/null
# A place's label lists its dates in order, whatever the table's order.
grep -q 'Quetta 2016-08-08, 2017-12-17' "$tmp/points.txt" || fail "points map labels: $(tr '\n' ' ' < "$tmp/points.txt")"
grep -q 'suicide attack (2)' "$tmp/points.txt" || fail "points map legend counts categories"

# A table of district names and no geometry: names go through the
# gazetteer.
sql "CREATE TABLE named AS SELECT district, province, date FROM incidents" >"$tmp/err" 2>&1 \
  || fail "table of names: $(cat "$tmp/err")"
run render --db PG:"$conn" --table named -o "$tmp/named.pdf" \
  || fail "render --table named: $(cat "$tmp/err")"
pdftotext "$tmp/named.pdf" - > "$tmp/named.txt"
grep -q 'Mastung 3' "$tmp/named.txt" && grep -q 'Quetta 3' "$tmp/named.txt" \
  || fail "names resolved: $(tr '\n' ' ' < "$tmp/named.txt")"

# A table as others make them: SQL dates, an area in Web Mercator, ids
# and names that place nothing.  What cannot be mapped is reported.
sql "CREATE TABLE odd (district_id text, district text, province text, date date,
       geom geometry(Polygon, 3857));
     INSERT INTO odd VALUES
       ('xx-nowhere', NULL, NULL, '2019-03-04', NULL),
       (NULL, 'Atlantis', NULL, '2019-12-31', NULL),
       (NULL, 'Atlantis', NULL, '2020-01-01',
        ST_Transform(ST_Buffer(ST_SetSRID(ST_MakePoint(67.0, 30.2), 4326), 0.01), 3857)),
       (NULL, 'Peshawar', 'KP', '2019-01-01', NULL),
       (NULL, NULL, NULL, '2019-06-30',
        ST_Transform(ST_Buffer(ST_SetSRID(ST_MakePoint(71.5, 34.0), 4326), 0.01), 3857)),
       (NULL, NULL, NULL, '2019-07-01', NULL)" >"$tmp/err" 2>&1 || fail "odd table: $(cat "$tmp/err")"
run render --db PG:"$conn" --table odd -o "$tmp/odd.pdf" || fail "render --table odd: $(cat "$tmp/err")"
pdftotext "$tmp/odd.pdf" - > "$tmp/odd.txt"
grep -q 'Peshawar 2' "$tmp/odd.txt" && grep -q 'Quetta 1' "$tmp/odd.txt" \
  || fail "odd table mapped: $(tr '\n' ' ' < "$tmp/odd.txt")"
grep -q "1 incident(s) in xx-nowhere have no polygon" "$tmp/err" || fail "unplaced id reported: $(cat "$tmp/err")"
grep -q "1 incident(s) in district 'Atlantis', which the gazetteer does not know" "$tmp/err" \
  || fail "unknown district reported: $(cat "$tmp/err")"
grep -q "1 incident(s) have neither a district nor a location" "$tmp/err" || fail "unlocated reported: $(cat "$tmp/err")"
run render --db PG:"$conn" --table odd --from 2019 --to 2019-06 -o "$tmp/odd.pdf" || fail "render odd with dates: $(cat "$tmp/err")"
pdftotext "$tmp/odd.pdf" - > "$tmp/odd.txt"
grep -q 'Peshawar 2' "$tmp/odd.txt" && ! grep -q 'Quetta' "$tmp/odd.txt" \
  || fail "SQL dates filtered: $(tr '\n' ' ' < "$tmp/odd.txt")"
run stats --db PG:"$conn" --table odd --by month --from 2019-06 --format csv > "$tmp/odd.csv" \
  || fail "stats odd: $(cat "$tmp/err")"
[ "$(tr '\n' ' ' < "$tmp/odd.csv")" = "month,incidents,killed,injured 2019-06,1,0,0 2019-07,1,0,0 2019-12,1,0,0 2020-01,1,0,0 " ] \
  || fail "stats on SQL dates: $(tr '\n' ' ' < "$tmp/odd.csv")"

# Errors: one line naming the source; a failed render leaves no output.
one_line() { [ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "$1: not one line: $(cat "$tmp/err")"; }
run render --db PG:"$conn" --table nosuch -o "$tmp/bad.pdf"
[ $? -eq 1 ] || fail "unknown table: exit 1"
one_line "unknown table"
grep -q "^incimap render: PG:$conn: no table 'nosuch'\$" "$tmp/err" || fail "unknown table message: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.pdf" ] || fail "a failed render wrote output"
run stats --db PG:"$conn" --table nosuch >/dev/null
[ $? -eq 1 ] || fail "stats on an unknown table: exit 1"
one_line "stats on an unknown table"
grep -q "no table 'nosuch'" "$tmp/err" || fail "stats unknown table message: $(cat "$tmp/err")"
run render --db PG:"$conn" --table located --min-precision 1 -o "$tmp/bad.pdf"
[ $? -eq 1 ] || fail "filter on a missing column: exit 1"
one_line "filter on a missing column"
grep -q "table 'located' has no precision column" "$tmp/err" || fail "missing column message: $(cat "$tmp/err")"
run render --db PG:"dbname=incidents host=127.0.0.1 port=1 password=s3cret" -o "$tmp/bad.pdf"
[ $? -eq 1 ] || fail "no server: exit 1"
one_line "no server"
grep -q "^incimap render: PG:dbname=incidents host=127.0.0.1 port=1 password=\*\*\*: cannot open: " "$tmp/err" \
  || fail "no server message: $(cat "$tmp/err")"
grep -q s3cret "$tmp/err" && fail "the password is printed"
run render --db "$db" --table incidents -o "$tmp/bad.pdf"
[ $? -eq 2 ] || fail "--table without PG: is a usage error"

[ "$failures" -eq 0 ] && echo "all PostGIS checks passed"
exit $((failures > 0))
