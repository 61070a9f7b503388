#!/bin/bash
# The GMT peer of bench/run: the same choropleth or point map as incimap,
# drawn by GMT (modern mode) and converted to PNG by GMT's psconvert
# (Ghostscript).  Run and timed as a whole process.
#
#   bench/peer_gmt.sh choropleth|points DIR OUT.png
#
# DIR holds what bench/run prepared, untimed, in GMT's own formats (GMT
# has no join and no CSV category colouring): polygons.gmt (OGR/GMT with
# the value as the aspatial field z), polygons.cpt (the classes incimap
# computed), labels.txt (lon lat text, at incimap's label points), legend.txt,
# points.txt (lon lat category-index) with points.cpt, and args (the
# projection, region and page size).
set -euo pipefail
kind=$1 dir=$(cd "$2" && pwd) out=$3
case $out in /*) ;; *) out=$PWD/$out ;; esac
# shellcheck disable=SC1091
source "$dir/args"     # J R W_IN H_IN LINE_PT LABEL_PT LEGEND_W POINT_PT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
gmt begin map png E100
gmt set PS_MEDIA "${W_IN}ix${H_IN}i" PS_CHAR_ENCODING ISOLatin1+ \
    FONT_ANNOT_PRIMARY 9p,Helvetica MAP_FRAME_PEN 0p
gmt plot "$dir/polygons.gmt" "-R$R" "-J$J" -Xa0 -Ya0 -aZ=z -C"$dir/polygons.cpt" -G+z \
    -W"${LINE_PT}p,#8c8c8c"
if [ "$kind" = choropleth ]; then
  gmt text "$dir/labels.txt" -F+f"${LABEL_PT}p,Helvetica-Bold,#1a1a1a"+jCM
else
  gmt plot "$dir/points.txt" -Ss"${POINT_PT}p" -C"$dir/points.cpt" -t50
fi
gmt legend "$dir/legend.txt" -DjTL+w"${LEGEND_W}i"+o0.25i -F+gwhite@12+p0.25p,#8c8c8c
gmt end
mv map.png "$out"
