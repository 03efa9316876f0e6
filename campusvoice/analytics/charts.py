"""Server-side SVG charts: a time series, a bar chart, the engagement funnel and a campus map.

Why hand-written SVG rather than pygal or matplotlib: the four charts need about 200 lines; the
output is plain markup that WeasyPrint renders in the PDF exactly as a browser does, carries our
own <title>/<desc> and colours, needs no JavaScript and no fonts beyond the page's, and adds no
pin (STYLE.md: dependencies earn their place). pygal would bring its own CSS and JavaScript hooks
that we would then strip; matplotlib is 40 MB for four pictures.

Every chart is an <svg role="img"> labelled by its <title> and <desc>; the templates put a data
table next to each one, so nothing is said by the picture alone.
"""

import math
from datetime import date
from itertools import count

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from campusvoice.analytics.figures import fast_number

ACCENT = "#5b2a86"
MUTED = "#4a4a55"
LINE = "#d5d5dc"
_ids = count(1)


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-{n}-t chart-{n}-d" class="chart" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="chart-{n}-t">{escape(title)}</title><desc id="chart-{n}-d">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def _svg(parts: list[str]) -> SafeString:
    # Every piece of text in `parts` went through escape() where it was added.
    return mark_safe("".join(parts))  # noqa: S308 - escaped piece by piece


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float, percent: bool) -> str:
    # The same rounding as the tables beside the charts (figures.fast_number rounds; Django's
    # number_format cuts 66.67 to 66.6).
    language = get_language()
    if percent:
        return f"{fast_number(value * 100, 1, False, language)} %"
    if value != int(value):
        return fast_number(value, 1, False, language)
    return fast_number(int(value), 0, True, language)


def time_series(*, title: str, desc: str, points: list[tuple[date, float]], width: int = 640) -> SafeString:
    """A line over days, y axis from zero with four gridlines, first and last day labelled."""
    height, left, right, top, bottom = 220, 48, 12, 12, 32
    head, tail = _open(width, height, title, desc)
    if not points:
        return _svg([head, tail])
    # At least 4 so the four gridlines of a small count fall on whole numbers.
    top_value = max(4, _nice_max(max(v for _d, v in points)))
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [head]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(_fmt(top_value * i / 4, False))}</text>"
        )
    step = plot_w / max(1, len(points) - 1)
    coords = [(left + i * step, top + plot_h - plot_h * (v / top_value)) for i, (_d, v) in enumerate(points)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
    parts.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for label_at, anchor in ((0, "start"), (len(points) - 1, "end")):
        parts.append(
            f'<text x="{coords[label_at][0]:.1f}" y="{height - 10}" text-anchor="{anchor}" fill="{MUTED}">'
            f"{escape(date_format(points[label_at][0], 'SHORT_DATE_FORMAT'))}</text>"
        )
    parts.append(tail)
    return _svg(parts)


def bar_chart(
    *, title: str, desc: str, items: list[tuple[str, float | None]], percent: bool = False, width: int = 640
) -> SafeString:
    """Horizontal bars, one per label; a missing value is drawn as "—" with no bar."""
    row, left, right = 24, 170, 70
    height = max(row * len(items) + 8, 40)
    head, tail = _open(width, height, title, desc)
    known = [v for _label, v in items if v is not None]
    top_value = max(known, default=0) or 1
    plot_w = width - left - right
    parts = [head]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="#1b1b1f">{escape(short)}</text>'
        )
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" fill="{MUTED}">—</text>')
            continue
        bar = plot_w * value / top_value
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" fill="{ACCENT}"/>')
        parts.append(
            f'<text x="{left + bar + 6:.1f}" y="{y + 15}" fill="#1b1b1f">{escape(_fmt(value, percent))}</text>'
        )
    parts.append(tail)
    return _svg(parts)


def funnel(*, title: str, desc: str, steps: list[tuple[str, int | None]], width: int = 640) -> SafeString:
    """Centred bars narrowing step by step; each labelled with its count."""
    row = 34
    height = row * len(steps) + 8
    head, tail = _open(width, height, title, desc)
    top_value = max((v for _l, v in steps if v), default=0) or 1
    parts = [head]
    centre, plot_w = width * 0.62, width * 0.72
    for i, (label, value) in enumerate(steps):
        y = 4 + i * row
        parts.append(f'<text x="8" y="{y + 20}" fill="#1b1b1f">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{centre:.1f}" y="{y + 20}" text-anchor="middle" fill="{MUTED}">—</text>')
            continue
        bar = max(2.0, (plot_w - 140) * value / top_value)
        shade = 0.35 + 0.65 * (1 - i / max(1, len(steps) - 1))
        parts.append(
            f'<rect x="{centre - bar / 2:.1f}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" '
            f'fill="{ACCENT}" fill-opacity="{shade:.2f}"/>'
        )
        parts.append(
            f'<text x="{centre + bar / 2 + 6:.1f}" y="{y + 20}" fill="#1b1b1f">{escape(_fmt(value, False))}</text>'
        )
    parts.append(tail)
    return _svg(parts)


def campus_map(
    *,
    title: str,
    desc: str,
    campuses: list[tuple[str, float, float, float | None]],
    outlines: list[list[tuple[float, float]]] | None = None,
    width: int = 640,
) -> SafeString:
    """Campuses at their lon/lat, equirectangular around their mid-latitude, fitted to their extent.

    A dot's area grows with the share of students reached; a hollow dot means no figure yet.
    Names are drawn only when there are few enough to read (the table beside it has them all).
    `outlines` are polygons of (lon, lat) drawn underneath, when boundary data is available.
    """
    height = int(width * 0.62)
    head, tail = _open(width, height, title, desc)
    if not campuses:
        return _svg([head, tail])
    lons = [c[1] for c in campuses]
    lats = [c[2] for c in campuses]
    # Equirectangular with its standard parallel at the middle latitude: east-west distances
    # shrink by cos(latitude), so Italy and a US state keep their shape.
    squeeze = max(0.2, math.cos(math.radians((min(lats) + max(lats)) / 2)))
    pad = 1.0
    west, east = min(lons) - pad, max(lons) + pad
    south, north = min(lats) - pad, max(lats) + pad
    span_x, span_y = (east - west) * squeeze, north - south
    if span_x / width < span_y / height:
        extra = (span_y * width / height - span_x) / squeeze
        west, east = west - extra / 2, east + extra / 2
    else:
        extra = span_x * height / width - span_y
        south, north = south - extra / 2, north + extra / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) / (east - west) * width, (north - lat) / (north - south) * height

    parts = [head, f'<rect width="{width}" height="{height}" fill="#f4f6f9"/>']
    for polygon in outlines or []:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lon, lat) for lon, lat in polygon))
        parts.append(f'<polygon points="{points}" fill="#fff" stroke="{LINE}"/>')
    step = 1 if north - south < 12 else 5
    for degree in range(math.floor(west / step) * step, math.ceil(east) + step, step):
        x, _y = xy(degree, 0)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" stroke="{LINE}" stroke-dasharray="2 4"/>'
        )
    for degree in range(math.floor(south / step) * step, math.ceil(north) + step, step):
        _x, y = xy(0, degree)
        parts.append(
            f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{LINE}" stroke-dasharray="2 4"/>'
        )
    largest = max((c[3] for c in campuses if c[3] is not None), default=None) or 1
    biggest = 14 if len(campuses) <= 30 else 7
    labelled = len(campuses) <= 20
    for name, lon, lat, share in campuses:
        x, y = xy(lon, lat)
        if share is None:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="none" stroke="{MUTED}" stroke-width="1.5"/>'
            )
        else:
            radius = 3 + biggest * (share / largest) ** 0.5
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{ACCENT}" fill-opacity=".5" '
                f'stroke="{ACCENT}"><title>{escape(name)}</title></circle>'
            )
        if labelled:
            label = name if len(name) <= 22 else name[:21] + "…"
            parts.append(
                f'<text x="{x + 9:.1f}" y="{y - 7:.1f}" fill="#1b1b1f" font-size="11">{escape(label)}</text>'
            )
    parts.append(tail)
    return _svg(parts)
