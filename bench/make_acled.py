#!/usr/bin/env python3
"""Writes an ACLED-style CSV of N events for the import benchmark.

Places, districts and provinces are drawn from the gazetteer with their
coordinates (jittered), dates spread over 2010-2024, fatalities skewed
small.  Columns follow ACLED's export.

    bench/make_acled.py N OUT.csv
"""
import csv, os, random, sys

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    root = os.path.join(os.path.dirname(__file__), '..', 'data', 'gazetteer')
    rng = random.Random(7)
    dist = {r['id']: r for r in csv.DictReader(open(os.path.join(root, 'districts.csv')))}
    places = []
    for r in csv.DictReader(open(os.path.join(root, 'places.csv'))):
        if not r['lat']:
            continue  # a tehsil listed without a position
        d = dist[r['district_id']]
        places.append((r['name'], d['name'], d['province'], float(r['lat']), float(r['lon'])))
    months = ['January', 'February', 'March', 'April', 'May', 'June', 'July',
              'August', 'September', 'October', 'November', 'December']
    types = [('Explosions/Remote violence', 'Remote explosive/landmine/IED'),
             ('Explosions/Remote violence', 'Suicide bomb'),
             ('Violence against civilians', 'Attack'),
             ('Battles', 'Armed clash'), ('Violence against civilians', 'Abduction/forced disappearance')]
    cols = ['event_id_cnty', 'event_date', 'year', 'time_precision', 'disorder_type',
            'event_type', 'sub_event_type', 'actor1', 'actor2', 'country', 'admin1',
            'admin2', 'admin3', 'location', 'latitude', 'longitude', 'geo_precision',
            'source', 'notes', 'fatalities']
    with open(out, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(cols)
        for i in range(n):
            name, district, province, lat, lon = rng.choice(places)
            y, m, d = rng.randrange(2010, 2025), rng.randrange(12), rng.randrange(1, 29)
            et, st = rng.choice(types)
            w.writerow(['PAK%d' % (i + 1), '%02d %s %d' % (d, months[m], y), y, 1,
                        'Political violence', et, st, 'Unidentified Armed Group (Pakistan)',
                        'Civilians (Pakistan)', 'Pakistan', province, district, '',
                        name, '%.4f' % (lat + rng.uniform(-0.01, 0.01)),
                        '%.4f' % (lon + rng.uniform(-0.01, 0.01)), rng.choice([1, 1, 1, 2, 3]),
                        'Dawn', 'Synthetic event for benchmarking.',
                        min(int(rng.expovariate(0.5)), 80)])

main()
