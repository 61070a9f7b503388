#!/usr/bin/env bash
# Real exports from ../shared/data/dev imported into a store, and checked
# against figures read from the same files independently (Python's csv
# module): row counts, dates, casualties, districts; a second import
# changes nothing.
set -u
# Under "meson test --setup valgrind", INCIMAP_RUN runs it under memcheck.
bin=${INCIMAP_RUN:-${INCIMAP:?}}
dev=${1:?}
[ -r "$dev/gtd_pakistan_2007-2012.csv" ] || exit 77
tmp=$(mktemp -d "${INCIMAP_TEST_TMP:-/tmp}/dev.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
db=$tmp/dev.db
q() { sqlite3 "$db" "$1"; }

gtd=$dev/gtd_pakistan_2007-2012.csv
tbij=$dev/tbij_drone_strikes_pakistan_2004-2013.csv

"$bin" import "$gtd" --db "$db" 2>"$tmp/err" || fail "GTD import: $(tail -3 "$tmp/err")"
python3 - "$gtd" > "$tmp/gtd.expect" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
def n(v):
    return int(float(v)) if v.strip() else 0
print(len(rows))
print(sum(n(r['nkill']) for r in rows))
print(sum(n(r['nwound']) for r in rows))
r = rows[0]
print('%04d-%02d-%02d' % (int(r['iyear']), int(r['imonth']), int(r['iday'])))
print(sum(1 for r in rows if r['city'] == 'Quetta'))
print(sum(1 for r in rows if r['iyear'] == '2010'))
PY
read -r rows killed wounded first quetta y2010 < <(tr '\n' ' ' < "$tmp/gtd.expect")
[ "$(q "SELECT count(*) FROM incidents WHERE source = 'gtd'")" = "$rows" ] || fail "GTD rows: want $rows, got $(q "SELECT count(*) FROM incidents WHERE source='gtd'")"
[ "$(q "SELECT sum(killed) FROM incidents WHERE source = 'gtd'")" = "$killed" ] || fail "GTD killed: want $killed"
[ "$(q "SELECT sum(injured) FROM incidents WHERE source = 'gtd'")" = "$wounded" ] || fail "GTD injured: want $wounded"
[ "$(q "SELECT date FROM incidents WHERE source = 'gtd' ORDER BY id LIMIT 1")" = "$first" ] || fail "GTD first date: want $first"
[ "$(q "SELECT count(*) FROM incidents WHERE source = 'gtd' AND date_start LIKE '2010-%'")" = "$y2010" ] || fail "GTD 2010 rows: want $y2010"
got=$(q "SELECT count(*) FROM incidents WHERE source = 'gtd' AND place = 'Quetta' AND district_id = 'ba-quetta'")
[ "$got" = "$quetta" ] || fail "GTD Quetta rows in Quetta district: want $quetta, got $got"

# TBIJ: CR-only line ends, day-first dates, killed as min/max ranges.
"$bin" import "$tbij" --db "$db" --source tbij 2>"$tmp/err" || fail "TBIJ import: $(tail -3 "$tmp/err")"
python3 - "$tbij" > "$tmp/tbij.expect" <<'PY'
import csv, sys, io
text = open(sys.argv[1], newline='').read().replace('\r', '\n')
rows = list(csv.DictReader(io.StringIO(text)))
def n(v):
    v = v.strip()
    return int(v) if v.isdigit() else 0
print(len(rows))
print(sum(n(r['Minimum Total Reported Killed']) for r in rows))
print(sum(n(r['Maximum Total Reported Killed']) for r in rows))
d, m, y = rows[1]['Date'].split('/')
y = int(y) + (2000 if int(y) < 70 else 1900) if len(y) == 2 else int(y)
print('%04d-%02d-%02d' % (y, int(m), int(d)))
print(rows[1]['Strike'])
print(sum(1 for r in rows if r['Tribal Agency'] == 'NWA'))
PY
read -r trows tmin tmax tdate tid tnwa < <(tr '\n' ' ' < "$tmp/tbij.expect")
[ "$(q "SELECT count(*) FROM incidents WHERE source = 'tbij'")" = "$trows" ] || fail "TBIJ rows: want $trows"
[ "$(q "SELECT sum(killed) FROM incidents WHERE source = 'tbij'")" = "$tmin" ] || fail "TBIJ killed (low): want $tmin"
[ "$(q "SELECT sum(killed_high) FROM incidents WHERE source = 'tbij'")" = "$tmax" ] || fail "TBIJ killed (high): want $tmax"
[ "$(q "SELECT date FROM incidents WHERE source = 'tbij' AND source_id = '$tid'")" = "$tdate" ] || fail "TBIJ day-first date of $tid: want $tdate"
nwa=$(q "SELECT count(*) FROM incidents WHERE source = 'tbij' AND district_id = 'kp-north-waziristan'")
[ $((nwa * 100)) -ge $((tnwa * 90)) ] || fail "TBIJ NWA strikes in North Waziristan: $nwa of $tnwa"

# Importing both again changes nothing.
before=$(q "SELECT count(*) || '/' || total(killed) FROM incidents")
"$bin" import "$gtd" --db "$db" 2>"$tmp/err" || fail "GTD re-import"
grep -q "0 new, 0 updated, $rows unchanged" "$tmp/err" || fail "GTD re-import: $(cat "$tmp/err")"
"$bin" import "$tbij" --db "$db" --source tbij 2>"$tmp/err" || fail "TBIJ re-import"
grep -q "0 new, 0 updated, $trows unchanged" "$tmp/err" || fail "TBIJ re-import: $(cat "$tmp/err")"
[ "$(q "SELECT count(*) || '/' || total(killed) FROM incidents")" = "$before" ] || fail "re-import changed the store"
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity"

[ "$failures" -eq 0 ] && echo "dev exports imported and checked"
exit $((failures > 0))
