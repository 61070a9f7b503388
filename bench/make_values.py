#!/usr/bin/env python3
"""Writes one value per district of Balochistan, Khyber Pakhtunkhwa and
Sindh for the choropleth benchmark: columns district, province, count.

Counts are skewed like attack tallies (many districts with a few, a few
with many) and drawn with a fixed seed.  The district names are the
boundary set's own, so that every peer can join on them.

    bench/make_values.py embedded OUT.csv
    bench/make_values.py geoboundaries DISTRICTS.csv OUT.csv

"embedded" reads data/boundaries/districts.geojson (field name);
"geoboundaries" reads the shared districts.csv (shapeName, province).
"""
import csv, json, os, random, sys

PROVINCES = ('Balochistan', 'Khyber Pakhtunkhwa', 'Sindh')


def main():
    kind = sys.argv[1]
    if kind == 'embedded':
        out = sys.argv[2]
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
        feats = json.load(open(os.path.join(root, 'data', 'boundaries',
                                            'districts.geojson')))['features']
        rows = [(f['properties']['name'], f['properties']['province'])
                for f in feats]
    else:
        src, out = sys.argv[2], sys.argv[3]
        rows = [(r['shapeName'], r['province']) for r in csv.DictReader(open(src))]
    rows = [r for r in rows if r[1] in PROVINCES]
    rng = random.Random(1971)
    with open(out, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['district', 'province', 'count'])
        for name, prov in sorted(set(rows)):
            w.writerow([name, prov, 1 + int(rng.paretovariate(1.3) * 3) - 3])


main()
