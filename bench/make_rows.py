#!/usr/bin/env python3
"""Writes N rows of place text and coordinates for bench_geocode.

Rows are drawn from the gazetteer itself (district names, aliases and
places with their coordinates), written the way exports write them:
random case, suffixes such as "District" or "town", a province in one of
its spellings, a few misspellings, compound "place, district" strings,
and some text no gazetteer knows.  Coordinates are the place's own,
jittered by up to 5 km, with a share far outside Pakistan.

    bench/make_rows.py N OUT.csv
"""
import csv, random, sys, os

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    root = os.path.join(os.path.dirname(__file__), '..', 'data', 'gazetteer')
    rng = random.Random(42)
    names = []
    dist = {r['id']: r for r in csv.DictReader(open(os.path.join(root, 'districts.csv')))}
    for r in dist.values():
        if r['hq_lat']:
            names.append((r['name'], r['province'], float(r['hq_lat']), float(r['hq_lon'])))
    for r in csv.DictReader(open(os.path.join(root, 'places.csv'))):
        if not r['lat']:
            continue  # a tehsil listed without a position
        d = dist[r['district_id']]
        names.append((r['name'], d['province'], float(r['lat']), float(r['lon'])))
    for r in csv.DictReader(open(os.path.join(root, 'aliases.csv'))):
        d = dist[r['district_id']]
        if d['hq_lat']:
            names.append((r['alias'], d['province'], float(d['hq_lat']), float(d['hq_lon'])))
    provinces = {'Khyber Pakhtunkhwa': ['KPK', 'NWFP', 'Khyber Pakhtunkhwa', 'FATA'],
                 'Balochistan': ['Balochistan', 'Baluchistan'], 'Sindh': ['Sindh', 'Sind']}
    suffix = ['', '', '', ' District', ' town', ' city', ' Agency', ' area']
    with open(out, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['place', 'province', 'lat', 'lon'])
        for i in range(n):
            name, prov, lat, lon = rng.choice(names)
            r = rng.random()
            if r < 0.05:
                text = 'Unknown village %d' % rng.randrange(100000)
            elif r < 0.10 and len(name) > 8:
                k = rng.randrange(1, len(name) - 1)
                text = name[:k] + name[k + 1:]
            elif r < 0.20:
                other = rng.choice(names)[0]
                text = '%s, %s' % (name, other)
            else:
                text = name + rng.choice(suffix)
            if rng.random() < 0.3:
                text = text.upper()
            p = rng.choice(provinces.get(prov, [prov]))
            if rng.random() < 0.05:
                lat, lon = rng.uniform(-60, 60), rng.uniform(-180, 180)
            else:
                lat += rng.uniform(-0.045, 0.045)
                lon += rng.uniform(-0.045, 0.045)
            w.writerow([text, p, '%.5f' % lat, '%.5f' % lon])

main()
