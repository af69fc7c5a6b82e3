"""Country outlines and label points for the offline world map, decoded from the vendored TopoJSON.

Why not plotly's geo base map: plotly.js downloads its TopoJSON from a CDN when a figure shows land,
coastlines or uses ``locationmode``; the explorer must work without internet. So the map draws the
outlines itself as ``Scattergeo`` lines from ``assets/countries-110m.json`` (Natural Earth via the
``world-atlas`` package) keyed by ISO 3166-1 alpha-2, and puts markers at each country's label point.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pycountry

from minetrace.app.explorer.values import present

ASSET = Path(__file__).resolve().parent / "assets" / "countries-110m.json"

Ring = list[tuple[float, float]]


def _decode_arcs(topo: dict) -> list[Ring]:
    scale = topo.get("transform", {}).get("scale", [1, 1])
    translate = topo.get("transform", {}).get("translate", [0, 0])
    arcs: list[Ring] = []
    for arc in topo["arcs"]:
        x = y = 0
        ring: Ring = []
        for dx, dy in arc:
            x += dx
            y += dy
            ring.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(ring)
    return arcs


def _ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    out: Ring = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    return out


def _iso2(numeric: str | None) -> str | None:
    if not numeric or not numeric.isdigit():
        return None
    country = pycountry.countries.get(numeric=numeric.zfill(3))
    return country.alpha_2 if country else None


@lru_cache(maxsize=1)
def country_shapes() -> dict[str, list[Ring]]:
    """ISO-2 → outer rings (lon, lat) of the country's polygons."""
    topo = json.loads(ASSET.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topo)
    shapes: dict[str, list[Ring]] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        iso2 = _iso2(geom.get("id"))
        if iso2 is None:
            continue
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]] if geom["type"] == "Polygon" else []
        shapes.setdefault(iso2, []).extend(_ring(arcs, poly[0]) for poly in polys if poly)
    return shapes


def _area(ring: Ring) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


@lru_cache(maxsize=1)
def label_points() -> dict[str, tuple[float, float]]:
    """ISO-2 → (lon, lat): the mean of the largest polygon's vertices (good enough for a marker)."""
    points = {}
    for iso2, rings in country_shapes().items():
        ring = max(rings, key=_area)
        points[iso2] = (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    return points


def outline_lines(iso2s: list[str] | None = None) -> tuple[list[float | None], list[float | None]]:
    """Lon and lat lists (rings separated by None) for the outlines of the given countries (all by default)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    shapes = country_shapes()
    for iso2 in iso2s if iso2s is not None else list(shapes):
        for ring in shapes.get(iso2, []):
            lons.extend(p[0] for p in ring)
            lats.extend(p[1] for p in ring)
            lons.append(None)
            lats.append(None)
    return lons, lats


#: what a row without a country shows (a "Smelter not yet identified" row, an unresolved name)
UNKNOWN_COUNTRY = "country unknown"


def country_name(iso2: object) -> str:
    """The country's name for an ISO-2 code; a missing value (None, NaN, blank) or a code pycountry does not
    know never raises: "country unknown", or the code as given."""
    code = present(iso2)
    if code is None:
        return UNKNOWN_COUNTRY
    text = str(code).strip().upper()
    try:
        c = pycountry.countries.get(alpha_2=text) if len(text) == 2 else None
    except LookupError:
        c = None
    return c.name if c else text
