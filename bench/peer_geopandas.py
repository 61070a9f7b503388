#!/usr/bin/python3
"""The geopandas + matplotlib peer of bench/run, from the same job
description (JSON) as the other peers.  Run and timed as a whole process.

    /usr/bin/python3 bench/peer_geopandas.py SPEC.json

choropleth  gpd.read_file of the boundaries, pandas merge of the values on
            the district name, to_crs(Albers), GeoDataFrame.plot with the
            classes incimap computed (passed in the spec), "{name} {value}"
            labels at representative points with a white halo, a legend,
            savefig to PNG or SVG at the spec's pixel size.
points      pandas.read_csv of the incidents, pyproj to Albers, districts
            drawn with GeoDataFrame.plot, then one matplotlib scatter per
            category (small translucent squares), legend, savefig.
sjoin       reverse geocoding: pandas.read_csv of the points,
            points_from_xy, geopandas.sjoin(predicate="within") against the
            boundaries, the district name appended, to_csv.
"""
import json, sys

import geopandas as gpd
import matplotlib
matplotlib.use('Agg')
import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from pyproj import Transformer

PX_PT = 0.72   # one pixel in points at 100 dpi


def read_boundaries(spec):
    g = gpd.read_file(spec['boundaries'])
    if g.crs is None:
        g = g.set_crs(4326)
    return g


def figure(spec):
    fig = plt.figure(figsize=(spec['width'] / 100, spec['height'] / 100), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_axis_off()
    return fig, ax


def frame(spec, ax):
    t = Transformer.from_crs(4326, spec['proj'], always_xy=True)
    lon0, lat0, lon1, lat1 = spec['frame']
    (x0, x1), (y0, y1) = t.transform([lon0, lon1], [lat0, lat1])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def fills(spec, g, values):
    """Fill per polygon: context grey, no record, or its class colour."""
    field = spec['name_field']
    sel = g[field].map(spec['province_of']).isin(spec['provinces'])
    out = np.where(sel, spec['no_record_fill'], spec['context_fill']).astype(object)
    if values is not None:
        # As incimap: the first class whose upper bound holds the value.
        v = values.to_numpy()
        pos = sel.to_numpy() & (v > 0)
        out[pos] = spec['class_fills'][-1]
        for k in reversed(range(len(spec['classes']) - 1)):
            out[pos & (v <= spec['classes'][k][1])] = spec['class_fills'][k]
    return out, sel


def choropleth(spec):
    field = spec['name_field']
    g = read_boundaries(spec)
    vals = pd.read_csv(spec['values'])[['district', 'count']]
    g = g.merge(vals, how='left', left_on=field, right_on='district')
    g = g.to_crs(spec['proj'])
    fig, ax = figure(spec)
    fill, sel = fills(spec, g, g['count'].fillna(0))
    u = spec['unit']
    g.plot(ax=ax, color=list(fill), edgecolor=np.where(sel, spec['district_line'], '#ffffff'),
           linewidth=0.4 * u * PX_PT)
    lab = g[sel & (g['count'] > 0)]
    halo = [pe.withStroke(linewidth=2.5 * u * PX_PT, foreground='white')]
    for p, name, v in zip(lab.representative_point(), lab[field], lab['count']):
        ax.text(p.x, p.y, '%s %g' % (name, v), ha='center', va='center',
                fontsize=spec['label_px'] * PX_PT, fontweight='bold',
                color='#1a1a1a', path_effects=halo)
    handles = [Patch(facecolor=spec['class_fills'][k], edgecolor='#8c8c8c',
                     label=spec['class_text'][k])
               for k in reversed(range(len(spec['classes'])))]
    handles.append(Patch(facecolor=spec['no_record_fill'], edgecolor='#8c8c8c',
                         label='No recorded incident'))
    ax.legend(handles=handles, title='Incidents', loc='upper left',
              fontsize=spec['legend_px'] * PX_PT,
              title_fontsize=spec['legend_px'] * PX_PT)
    frame(spec, ax)
    fig.savefig(spec['output'], dpi=100)


def points(spec):
    g = read_boundaries(spec).to_crs(spec['proj'])
    fig, ax = figure(spec)
    fill, sel = fills(spec, g, None)
    u = spec['unit']
    g.plot(ax=ax, color=list(fill), edgecolor=np.where(sel, spec['district_line'], '#ffffff'),
           linewidth=0.4 * u * PX_PT)
    p = pd.read_csv(spec['points'])
    t = Transformer.from_crs(4326, spec['proj'], always_xy=True)
    x, y = t.transform(p['lon'].to_numpy(), p['lat'].to_numpy())
    s = (spec['point_px'] * PX_PT) ** 2
    cat = p['category'].to_numpy()
    handles = []
    for c, col in zip(spec['categories'], spec['point_fills']):
        m = cat == c
        ax.scatter(x[m], y[m], s=s, c=col, marker='s', alpha=0.5, linewidths=0)
        handles.append(Patch(facecolor=col, label='%s (%d)' % (c, m.sum())))
    ax.legend(handles=handles, title='Incidents', loc='upper left',
              fontsize=spec['legend_px'] * PX_PT,
              title_fontsize=spec['legend_px'] * PX_PT)
    frame(spec, ax)
    fig.savefig(spec['output'], dpi=100)


def sjoin(spec):
    field = spec['name_field']
    p = pd.read_csv(spec['points'])
    pts = gpd.GeoDataFrame(p, geometry=gpd.points_from_xy(p['lon'], p['lat']),
                           crs=4326)
    d = read_boundaries(spec)[[field, 'geometry']].rename(columns={field: 'district'})
    j = gpd.sjoin(pts, d, how='left', predicate='within')
    j = j[~j.index.duplicated()]          # overlapping polygons: keep one
    j.drop(columns=['geometry', 'index_right']).to_csv(spec['output'], index=False)


def main():
    spec = json.load(open(sys.argv[1]))
    {'choropleth': choropleth, 'points': points, 'sjoin': sjoin}[spec['kind']](spec)


main()
