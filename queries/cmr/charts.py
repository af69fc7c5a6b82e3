"""The report's charts, rendered offline to PNG with matplotlib: response funnel, smelters by metal and
status, countries-of-origin map.

Why matplotlib (object API, Agg canvas): it renders in-process with no browser and no network (plotly's
static export needs a downloaded Chromium), is thread-safe without pyplot's global state, and its PNGs embed
in Word and survive PDF conversion. Every chart draws figures already computed in `figures.py` — nothing is
recomputed here. The map draws country outlines handed in by the caller (`shapes`: ISO-2 → rings of
(lon, lat)), so this layer needs no geometry of its own; without them it falls back to a bar chart.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure as MplFigure

from minetrace.queries.cmr.figures import ReportData

Shapes = dict[str, list[list[tuple[float, float]]]]
BLUE, RED, GREY, LIGHT = "#2F5C8F", "#C0392B", "#9AA5B1", "#E5E8EC"
STATUS_COLOURS = {"Conformant": "#2E8B57", "Active (in audit)": "#E0A030", "Not conformant / not enrolled": "#B0B7C0"}
WIDTH_IN = 6.5


def _png(fig: MplFigure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=160, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _base(height: float) -> tuple[MplFigure, Any]:
    fig = MplFigure(figsize=(WIDTH_IN, height))
    ax = fig.add_subplot(111)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def funnel(data: ReportData) -> bytes:
    steps = data.lists["funnel"]
    fig, ax = _base(2.4)
    labels = [s[0] for s in steps][::-1]
    values = [s[1] for s in steps][::-1]
    bars = ax.barh(labels, values, color=[BLUE] * (len(values) - 1) + ["#1B3A5C"])
    top = max(values) if values and max(values) > 0 else 1
    for bar, v in zip(bars, values, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, str(v), va="center", fontsize=8)
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel("suppliers", fontsize=8)
    ax.set_title(f"Response rate {data.figures['response_rate'].text} % of in-scope suppliers", fontsize=9)
    return _png(fig)


def metal_status(data: ReportData) -> bytes:
    rows = data.lists["metal_status"]
    metals = list(dict.fromkeys(m for m, _, _ in rows)) or ["(none)"]
    fig, ax = _base(2.6)
    left = [0] * len(metals)
    for group, colour in STATUS_COLOURS.items():
        values = [sum(n for m, g, n in rows if m == metal and g == group) for metal in metals]
        ax.barh(metals[::-1], values[::-1], left=left[::-1], color=colour, label=group)
        left = [a + b for a, b in zip(left, values, strict=True)]
    for i, total in enumerate(left[::-1]):
        ax.text(total + max(max(left), 1) * 0.01, i, str(total), va="center", fontsize=8)
    ax.set_xlim(0, max(max(left), 1) * 1.12)
    ax.set_xlabel("smelters and refiners (Appendix A)", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3)
    return _png(fig)


def origin_map(data: ReportData, shapes: Shapes | None) -> bytes:
    origin = data.lists["origin_map"]
    if not shapes:
        return _origin_bars(origin)
    fig = MplFigure(figsize=(WIDTH_IN, 3.3))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    colour = {iso2: (RED if covered else BLUE) for iso2, covered, _ in origin}
    polygons, colours = [], []
    for iso2, rings in shapes.items():
        for ring in rings:
            xs = [x for x, _ in ring]
            if max(xs) - min(xs) > 180:  # a ring across the antimeridian (Chukotka, Fiji): keep it in one piece
                ring = [(x + 360 if x < 0 else x, y) for x, y in ring]
            polygons.append(ring)
            colours.append(colour.get(iso2, LIGHT))
    ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="white", linewidths=0.2))
    ax.set_xlim(-170, 190)
    ax.set_ylim(-58, 84)
    ax.set_aspect("equal")
    return _png(fig)


def _origin_bars(origin: list[tuple[str, bool, int]]) -> bytes:
    top = sorted(origin, key=lambda o: (-o[2], o[0]))[:25]
    fig, ax = _base(max(1.5, 0.22 * len(top) + 0.6))
    ax.barh([o[0] for o in top][::-1], [o[2] for o in top][::-1],
            color=[RED if o[1] else BLUE for o in top][::-1])
    ax.set_xlabel("smelters and refiners located there", fontsize=8)
    return _png(fig)


def render_charts(data: ReportData, shapes: Callable[[], Shapes] | None = None) -> dict[str, tuple[bytes, str]]:
    """chart id → (PNG bytes, alternative text)."""
    f = data.figures
    return {
        "funnel": (funnel(data), f"Survey funnel: {f['master_list'].text} suppliers on the master list, "
                   f"{f['in_scope'].text} in scope, {f['contacted'].text} contacted, {f['responded'].text} responded, "
                   f"{f['valid'].text} valid forms."),
        "metal_status": (metal_status(data), "Validated smelters and refiners by metal: " + "; ".join(
            f"{m['metal']} {m['validated'].text} ({m['conformant'].text} conformant)" for m in data.lists["metals"])),
        "origin_map": (origin_map(data, shapes() if shapes else None), f"Map of the {f['origin_countries'].text} "
                       "countries of origin: " + ", ".join(c["name"] for c in data.lists["countries"])),
    }
