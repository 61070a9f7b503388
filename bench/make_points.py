#!/usr/bin/env python3
"""Writes N random incidents inside Balochistan, Khyber Pakhtunkhwa and
Sindh for the point-map and reverse-geocoding benchmarks.

A district of the embedded boundaries (data/boundaries/districts.geojson)
is drawn with probability proportional to its area, then a point uniform
in longitude and latitude within its bounding box is kept if it falls
inside the polygon (rejection sampling).  The seed is fixed, so the same
N always gives the same file.  Columns: lat, lon, category.

    bench/make_points.py N OUT.csv [TRUTH.csv]

TRUTH.csv, if given, gets the district each point was drawn in (the
polygon's name), one per row in the same order, for checking a
reverse geocoder.
"""
import bisect, json, math, os, random, sys

PROVINCES = ('Balochistan', 'Khyber Pakhtunkhwa', 'Sindh')
CATEGORIES = ('Explosion', 'Armed clash', 'Targeted killing', 'Abduction')


def inside(x, y, ring):
    """Even-odd ray casting."""
    c = False
    n = len(ring)
    x1, y1 = ring[n - 1]
    for x2, y2 in ring:
        if (y2 > y) != (y1 > y) and x < (x1 - x2) * (y - y2) / (y1 - y2) + x2:
            c = not c
        x1, y1 = x2, y2
    return c


def load(root):
    path = os.path.join(root, 'data', 'boundaries', 'districts.geojson')
    polys = []
    for f in json.load(open(path))['features']:
        if f['properties']['province'] not in PROVINCES:
            continue
        ring = [tuple(p) for p in f['geometry']['coordinates'][0]]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        # Shoelace area scaled by cos(latitude): proportional to km2.
        a = abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
                    in zip(ring, ring[1:] + ring[:1]))) / 2
        a *= math.cos(math.radians(sum(ys) / len(ys)))
        polys.append((f['properties']['name'], ring,
                      (min(xs), min(ys), max(xs), max(ys)), a))
    return polys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    truth = sys.argv[3] if len(sys.argv) > 3 else None
    polys = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    cum, t = [], 0.0
    for p in polys:
        t += p[3]
        cum.append(t)
    rng = random.Random(20240601)
    tmp = out + '.tmp'
    tf = open(truth + '.tmp', 'w', newline='') if truth else None
    with open(tmp, 'w', newline='') as f:
        f.write('lat,lon,category\n')
        buf = []
        for i in range(n):
            name, ring, (x0, y0, x1, y1), _ = polys[bisect.bisect(cum, rng.random() * t)]
            while True:
                x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
                if inside(x, y, ring):
                    break
            buf.append('%.5f,%.5f,%s\n' % (y, x, CATEGORIES[rng.randrange(4)]))
            if tf:
                tf.write(name + '\n')
            if len(buf) == 10000:
                f.write(''.join(buf))
                buf = []
        f.write(''.join(buf))
    os.replace(tmp, out)
    if tf:
        tf.close()
        os.replace(truth + '.tmp', truth)


main()
