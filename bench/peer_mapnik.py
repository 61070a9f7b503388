#!/usr/bin/python3
"""The Mapnik peer of bench/run: the same choropleth or point map as
incimap, from a job description that bench/run writes (JSON; see
spec_for() in bench/run).  Run as a whole process and timed as one.

    /usr/bin/python3 bench/peer_mapnik.py SPEC.json

Choropleth: the boundary file is read through Mapnik's own geojson or
topojson plugin, the values CSV joined on the district name into a memory
datasource, districts filled by the classes incimap computed (passed in
the spec), district lines, "{name} {value}" labels placed by Mapnik with
collision detection, and a legend (swatches and text) drawn as a layer.
Points: the incidents are read by Mapnik's csv plugin and drawn as small
translucent squares, one colour per category, over the districts.
PNG through AGG, SVG through Cairo.
"""
import csv, json, sys

import mapnik

CTX_Z, NOREC_Z = -2.0, -1.0


def colour(hexstr, alpha=None):
    c = mapnik.Color(hexstr)
    if alpha is not None:
        c.a = int(round(alpha * 255))
    return c


def boundaries_ds(spec):
    fmt = 'topojson' if spec['boundaries'].endswith('.topojson') else 'geojson'
    return mapnik.Datasource(type=fmt, file=spec['boundaries'])


def style_xml(spec, u):
    """Styles as Mapnik XML: the stable way to describe symbolizers."""
    rules = ['<Rule><Filter>[z] = %g</Filter><PolygonSymbolizer fill="%s"/>'
             '<LineSymbolizer stroke="#ffffff" stroke-width="%.2f"/></Rule>'
             % (CTX_Z, spec['context_fill'], 0.4 * u),
             '<Rule><Filter>[z] = %g</Filter><PolygonSymbolizer fill="%s"/>'
             '<LineSymbolizer stroke="%s" stroke-width="%.2f"/></Rule>'
             % (NOREC_Z, spec['no_record_fill'], spec['district_line'], 0.4 * u)]
    # As incimap: a value belongs to the first class whose upper bound
    # holds it.
    his = [hi for lo, hi in spec.get('classes', [])]
    for k in range(len(his)):
        f = '[z] &gt; %r' % (his[k - 1] if k else 0)
        if k < len(his) - 1:
            f += ' and [z] &lt;= %r' % his[k]
        rules.append('<Rule><Filter>%s</Filter><PolygonSymbolizer fill="%s"/>'
                     '<LineSymbolizer stroke="%s" stroke-width="%.2f"/></Rule>'
                     % (f, spec['class_fills'][k], spec['district_line'], 0.4 * u))
    font = 'DejaVu Sans Bold'
    labels = ('<Rule><Filter>[z] &gt; 0</Filter><TextSymbolizer face-name="%s" '
              'size="%.1f" fill="#1a1a1a" halo-fill="#ffffff" halo-radius="%.1f" '
              'placement="interior">[label]</TextSymbolizer></Rule>'
              % (font, spec['label_px'], 1.25 * u))
    legend = ['<Rule><Filter>[kind] = \'swatch\'</Filter>'
              '<PolygonSymbolizer fill="[fill]"/>'
              '<LineSymbolizer stroke="#8c8c8c" stroke-width="0.5"/></Rule>',
              '<Rule><Filter>[kind] = \'text\'</Filter><TextSymbolizer '
              'face-name="DejaVu Sans Book" size="%.1f" fill="#1a1a1a" '
              'horizontal-alignment="right" placement="point" '
              'allow-overlap="true">[text]</TextSymbolizer></Rule>'
              % spec['legend_px'],
              '<Rule><Filter>[kind] = \'box\'</Filter>'
              '<PolygonSymbolizer fill="#ffffff" fill-opacity="0.88"/></Rule>']
    pts = []
    for k, c in enumerate(spec.get('point_fills', [])):
        pts.append('<Rule><Filter>[category] = \'%s\'</Filter><MarkersSymbolizer '
                   'marker-type="ellipse" fill="%s" fill-opacity="0.5" '
                   'width="%.2f" height="%.2f" stroke-width="0" '
                   'allow-overlap="true" ignore-placement="true"/></Rule>'
                   % (spec['categories'][k], c, spec['point_px'], spec['point_px']))
    return ('<Map>'
            '<Style name="districts">%s</Style>'
            '<Style name="labels">%s</Style>'
            '<Style name="legend">%s</Style>'
            '<Style name="points">%s</Style>'
            '</Map>' % (''.join(rules), labels, ''.join(legend), ''.join(pts)))


def district_layer(spec, m):
    values = {}
    if spec.get('values'):
        with open(spec['values'], newline='') as f:
            for r in csv.DictReader(f):
                values[r['district']] = float(r['count'])
    prov = spec['province_of']
    sel = set(spec['provinces'])
    ctx = mapnik.Context()
    for k in ('name', 'z', 'label'):
        ctx.push(k)
    mem = mapnik.MemoryDatasource()
    field = spec['name_field']
    src = boundaries_ds(spec)     # kept alive while its features are read
    for i, f in enumerate(src.all_features()):
        name = f[field]
        nf = mapnik.Feature(ctx, i + 1)
        nf.geometry = f.geometry
        nf['name'] = name
        if prov.get(name) not in sel:
            nf['z'] = CTX_Z
        elif name in values and values[name] > 0:
            nf['z'] = values[name]
            nf['label'] = '%s %g' % (name, values[name])
        else:
            nf['z'] = NOREC_Z
        mem.add_feature(nf)
    lyr = mapnik.Layer('districts', 'epsg:4326')
    lyr.datasource = mem
    lyr.styles.append('districts')
    if spec['kind'] == 'choropleth':
        lyr.styles.append('labels')
    m.layers.append(lyr)


def legend_layer(spec, m, u):
    """Swatches and texts in map coordinates, top left of the frame."""
    env = m.envelope()
    s = (env.maxx - env.minx) / m.width          # metres per pixel
    x0, y0 = env.minx + 24 * u * s, env.maxy - 24 * u * s
    row = spec['legend_px'] * 1.9
    if spec['kind'] == 'choropleth':
        items = [(spec['class_fills'][k], spec['class_text'][k])
                 for k in reversed(range(len(spec['classes'])))]
        items.append((spec['no_record_fill'], 'No recorded incident'))
    else:
        items = list(zip(spec['point_fills'], spec['categories']))
    ctx = mapnik.Context()
    for k in ('kind', 'fill', 'text'):
        ctx.push(k)
    mem = mapnik.MemoryDatasource()
    w = 220 * u
    box = mapnik.Feature(ctx, 1)
    box['kind'] = 'box'
    h = (len(items) + 1.5) * row
    box.geometry = mapnik.Geometry.from_wkt(
        'POLYGON((%f %f,%f %f,%f %f,%f %f,%f %f))' % (
            x0 - 8 * s, y0 + 8 * s, x0 + w * s, y0 + 8 * s, x0 + w * s,
            y0 - h * s, x0 - 8 * s, y0 - h * s, x0 - 8 * s, y0 + 8 * s))
    mem.add_feature(box)
    t = mapnik.Feature(ctx, 2)
    t['kind'], t['text'] = 'text', 'Incidents'
    t.geometry = mapnik.Geometry.from_wkt('POINT(%f %f)' % (x0, y0 - 0.5 * row * s))
    mem.add_feature(t)
    for k, (fill, text) in enumerate(items):
        yt = y0 - (k + 1.2) * row * s
        sw = mapnik.Feature(ctx, 10 + 2 * k)
        sw['kind'], sw['fill'] = 'swatch', fill
        a = row * 0.7 * s
        sw.geometry = mapnik.Geometry.from_wkt(
            'POLYGON((%f %f,%f %f,%f %f,%f %f,%f %f))' % (
                x0, yt, x0 + a, yt, x0 + a, yt - a, x0, yt - a, x0, yt))
        mem.add_feature(sw)
        tx = mapnik.Feature(ctx, 11 + 2 * k)
        tx['kind'], tx['text'] = 'text', text
        tx.geometry = mapnik.Geometry.from_wkt('POINT(%f %f)' % (
            x0 + row * s, yt - a / 2))
        mem.add_feature(tx)
    lyr = mapnik.Layer('legend', m.srs)
    lyr.datasource = mem
    lyr.styles.append('legend')
    m.layers.append(lyr)


def main():
    spec = json.load(open(sys.argv[1]))
    u = spec['unit']
    m = mapnik.Map(spec['width'], spec['height'], spec['proj'])
    mapnik.load_map_from_string(m, style_xml(spec, u))
    m.srs = spec['proj']
    m.background = colour('#ffffff')
    district_layer(spec, m)
    if spec['kind'] == 'points':
        lyr = mapnik.Layer('points', 'epsg:4326')
        lyr.datasource = mapnik.Datasource(type='csv', file=spec['points'])
        lyr.styles.append('points')
        m.layers.append(lyr)
    tr = mapnik.ProjTransform(mapnik.Projection('epsg:4326'),
                              mapnik.Projection(spec['proj']))
    lon0, lat0, lon1, lat1 = spec['frame']
    a = tr.forward(mapnik.Coord(lon0, lat0))
    b = tr.forward(mapnik.Coord(lon1, lat1))
    m.zoom_to_box(mapnik.Box2d(a.x, a.y, b.x, b.y))
    legend_layer(spec, m, u)
    out = spec['output']
    fmt = 'svg' if out.endswith('.svg') else 'png'
    mapnik.render_to_file(m, out, fmt)


main()
