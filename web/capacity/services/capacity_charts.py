"""Server-drawn SVG charts for the capacity review: bars for gaps, lines for trends, a map.

No script and no inline style (the CSP forbids both): geometry is in SVG attributes,
looks come from classes in web/assets/capacity.css. Nothing depends on colour alone:
bars carry a pattern and their value as text, lines carry different markers and a
label at their end, map symbols differ in shape. Every chart has a <title> and <desc>,
and every page shows the same figures in a table beside it. A suppressed value is
never drawn to scale: it is written as `c`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from web.capacity.services.capacity import GapBar, MapPoint
from web.capacity.services.capacity_trends import Series

OUTLINES = Path(__file__).resolve().parents[2] / "static" / "maps" / "outlines.geojson"


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="app-chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        '<defs><pattern id="app-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" class="app-chart__hatch-ground"/>'
        '<line x1="0" y1="0" x2="0" y2="8" class="app-chart__hatch-line"/></pattern></defs>'
    )
    return Markup(head + "".join(body) + "</svg>")


def gap_bars(bars: Sequence[GapBar]) -> Markup:
    """Two bars per authority: young people waiting (hatched) and vacancies (solid), values written on."""
    label_w, bar_w, row_h, top = 190, 420, 46, 40
    width, height = label_w + bar_w + 70, top + row_h * max(1, len(bars)) + 10
    peak = max([b.waiting or 0 for b in bars] + [b.vacancies for b in bars] + [1])
    body = [
        f'<rect x="{label_w}" y="8" width="16" height="12" class="app-chart__bar app-chart__bar--demand"/>',
        f'<text x="{label_w + 22}" y="19" class="app-chart__text">Young people waiting</text>',
        f'<rect x="{label_w + 190}" y="8" width="16" height="12" class="app-chart__bar app-chart__bar--supply"/>',
        f'<text x="{label_w + 212}" y="19" class="app-chart__text">Vacancies</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        body.append(
            f'<text x="{label_w - 8}" y="{y + 22}" text-anchor="end" class="app-chart__text">'
            f"{escape(bar.authority)}</text>"
        )
        for j, (value, text, kind) in enumerate(
            ((bar.waiting, bar.waiting_text, "demand"), (bar.vacancies, f"{bar.vacancies:,}", "supply"))
        ):
            by = y + 4 + j * 18
            length = 0.0 if value is None else bar_w * value / peak
            if length:
                body.append(
                    f'<rect x="{label_w}" y="{by}" width="{length:.1f}" height="16" '
                    f'class="app-chart__bar app-chart__bar--{kind}"/>'
                )
            body.append(
                f'<text x="{label_w + length + 6:.1f}" y="{by + 13}" class="app-chart__value">{escape(text)}</text>'
            )
    desc = "; ".join(f"{b.authority}: {b.waiting_text} waiting, {b.vacancies} vacancies" for b in bars)
    return _svg("gap-chart", width, height, "Young people waiting against vacancies, by authority", desc, body)


_MARKERS = ("circle", "square")


def trend_lines(chart_id: str, title: str, months: Sequence[str], series: Sequence[Series], unit: str = "") -> Markup:
    """One line per series, a different marker each, the series' name at its last point."""
    left, right, top, bottom = 50, 150, 20, 60
    plot_w, plot_h = max(300, 34 * len(months)), 220
    width, height = left + plot_w + right, top + plot_h + bottom
    values = [v for s in series for v in s.values if v is not None]
    peak = max([*values, 1.0])
    step = _nice_step(peak)
    peak = step * math.ceil(peak / step)
    body = []
    ticks = round(peak / step)
    for t in range(ticks + 1):
        y = top + plot_h - plot_h * t / ticks
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="app-chart__grid"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="app-chart__text">{t * step:g}{unit}</text>'
        )
    xs = [left + plot_w * (i + 0.5) / len(months) for i in range(len(months))]
    for i, month in enumerate(months):
        if len(months) <= 12 or i % 2 == 0:
            body.append(
                f'<text x="{xs[i]:.1f}" y="{top + plot_h + 16}" text-anchor="end" '
                f'transform="rotate(-45 {xs[i]:.1f} {top + plot_h + 16})" class="app-chart__text">'
                f"{escape(month)}</text>"
            )
    for k, s in enumerate(series):
        marker = _MARKERS[k % len(_MARKERS)]
        points = [(xs[i], top + plot_h - plot_h * v / peak) for i, v in enumerate(s.values) if v is not None]
        run: list[str] = []
        for i, v in enumerate([*s.values, None]):
            if v is None:
                if len(run) > 1:
                    body.append(f'<polyline points="{" ".join(run)}" class="app-chart__line app-chart__line--{k}"/>')
                run = []
                if i < len(s.values):  # a suppressed month: written as c on the axis, never drawn
                    body.append(
                        f'<text x="{xs[i]:.1f}" y="{top + plot_h - 4 - 12 * k}" text-anchor="middle" '
                        f'class="app-chart__value">c</text>'
                    )
                continue
            run.append(f"{xs[i]:.1f},{top + plot_h - plot_h * v / peak:.1f}")
        for x, y in points:
            if marker == "circle":
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="app-chart__marker app-chart__marker--{k}"/>'
                )
            else:
                body.append(
                    f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                    f'class="app-chart__marker app-chart__marker--{k}"/>'
                )
        if points:
            x, y = points[-1]
            body.append(
                f'<text x="{x + 10:.1f}" y="{y + 4 + 14 * k:.1f}" class="app-chart__text">'
                f"{escape(s.name)} ({marker})</text>"
            )
    desc = "; ".join(
        f"{s.name}: "
        + ", ".join(f"{m} {'c' if v is None else f'{v:g}{unit}'}" for m, v in zip(months, s.values, strict=True))
        for s in series
    )
    return _svg(chart_id, width, height, title, desc + ". c: suppressed or not applicable.", body)


def _nice_step(peak: float) -> float:
    raw = peak / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(max(1.0, factor * magnitude))
    return float(max(1.0, 10 * magnitude))


@lru_cache(maxsize=1)
def _outlines() -> dict[str, Any]:
    with open(OUTLINES, encoding="utf-8") as fh:
        data = json.load(fh)
    return {f["properties"]["gss_code"]: f["geometry"] for f in data["features"]}


def supply_map(points: Sequence[MapPoint]) -> Markup:
    """Authorities' outlines; per authority a circle sized by young people waiting, a square by
    vacancies, and a number keyed to a list beside the map (names and figures as text)."""
    shown = [p for p in points if p.waiting or p.waiting_text == "c" or p.vacancies]
    if not shown:
        return Markup("")
    map_w, key_w, height, pad = 560, 340, 560, 40
    width = map_w + key_w
    outlines = _outlines()
    lats = [p.lat for p in shown]
    lons = [p.lon for p in shown]
    for p in shown:
        for ring in _rings(outlines.get(p.code)):
            lats += [pt[1] for pt in ring]
            lons += [pt[0] for pt in ring]
    mid = math.radians((min(lats) + max(lats)) / 2)
    span_x = max(0.01, (max(lons) - min(lons)) * math.cos(mid))
    span_y = max(0.01, max(lats) - min(lats))
    scale = min((map_w - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - min(lons)) * math.cos(mid) * scale, height - pad - (lat - min(lats)) * scale

    body = []
    for p in shown:
        for ring in _rings(outlines.get(p.code)):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(pt[0], pt[1]) for pt in ring[::3]))
            body.append(f'<polygon points="{path}" class="app-chart__outline"/>')
    peak = max([p.waiting or 0 for p in shown] + [p.vacancies for p in shown] + [1])
    for n, p in enumerate(shown, start=1):
        x, y = xy(p.lon, p.lat)
        if p.waiting is None:
            body.append(
                f'<circle cx="{x - 8:.1f}" cy="{y:.1f}" r="6" class="app-chart__symbol app-chart__symbol--hidden"/>'
            )
        elif p.waiting:
            r = 4 + 22 * math.sqrt(p.waiting / peak)
            body.append(
                f'<circle cx="{x - r:.1f}" cy="{y:.1f}" r="{r:.1f}" '
                'class="app-chart__symbol app-chart__symbol--demand"/>'
            )
        if p.vacancies:
            side = 2 * (4 + 22 * math.sqrt(p.vacancies / peak)) * 0.886
            body.append(
                f'<rect x="{x:.1f}" y="{y - side / 2:.1f}" width="{side:.1f}" height="{side:.1f}" '
                f'class="app-chart__symbol app-chart__symbol--supply"/>'
            )
        body.append(f'<text x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle" class="app-chart__value">{n}</text>')
        body.append(
            f'<text x="{map_w + 10}" y="{70 + 20 * n}" class="app-chart__text">'
            f"{n}. {escape(p.name)}: {escape(p.waiting_text)} waiting, {p.vacancies} vacancies</text>"
        )
    body.append(
        f'<circle cx="{map_w + 18}" cy="20" r="7" class="app-chart__symbol app-chart__symbol--demand"/>'
        f'<text x="{map_w + 32}" y="24" class="app-chart__text">Circle: young people waiting</text>'
        f'<rect x="{map_w + 11}" y="36" width="14" height="14" class="app-chart__symbol app-chart__symbol--supply"/>'
        f'<text x="{map_w + 32}" y="48" class="app-chart__text">Square: vacancies</text>'
        f'<circle cx="{map_w + 18}" cy="66" r="6" class="app-chart__symbol app-chart__symbol--hidden"/>'
        f'<text x="{map_w + 32}" y="70" class="app-chart__text">Hollow: suppressed (c)</text>'
    )
    desc = "; ".join(f"{p.name}: {p.waiting_text} waiting, {p.vacancies} vacancies" for p in shown)
    return _svg("supply-map", width, height, "Map of young people waiting and vacancies by authority", desc, body)


def _rings(geometry: dict[str, Any] | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []
