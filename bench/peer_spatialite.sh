#!/bin/bash
# The ogr2ogr + SpatiaLite peer of bench/run for reverse geocoding: the
# points CSV and the district polygons are loaded into a SpatiaLite
# database with ogr2ogr (the points with an R-tree index), then one
# `ogr2ogr -dialect sqlite` query with ST_Contains/ST_Within, driven by
# the index, writes every point with its district to CSV.  Run and timed
# as a whole process.
#
#   bench/peer_spatialite.sh POINTS.csv BOUNDARIES NAME_FIELD OUT.csv
#
# The query walks the districts and asks the points' index for the
# candidates inside each one's bounding box, so that SpatiaLite's cache of
# prepared geometries serves every test against one polygon.  Asking the
# polygons' index once per point instead (LEFT JOIN from the points) keeps
# points outside every district but took ten times longer here (about
# 165 us a point).  The points are all inside the provinces, so the two
# give the same rows.
set -euo pipefail
points=$1 boundaries=$2 field=$3 out=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/geocode.sqlite
ogr2ogr --config OGR_SQLITE_SYNCHRONOUS OFF -gt 200000 -f SQLite \
    -dsco SPATIALITE=YES "$db" "$points" -nln points -a_srs EPSG:4326 \
    -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat
ogr2ogr -update "$db" "$boundaries" -nln districts -a_srs EPSG:4326 \
    -nlt PROMOTE_TO_MULTI
rm -f "$out"
ogr2ogr -f CSV "$out" "$db" -dialect sqlite -sql \
    "SELECT p.lat, p.lon, p.category, d.\"$field\" AS district
     FROM districts d JOIN points p
       ON p.ROWID IN (SELECT ROWID FROM SpatialIndex
                      WHERE f_table_name = 'points' AND search_frame = d.GEOMETRY)
      AND ST_Within(p.GEOMETRY, d.GEOMETRY)"
