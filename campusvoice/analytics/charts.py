"""Server-side SVG charts: a time series, a bar chart, the engagement funnel and a campus map.

Why hand-written SVG rather than pygal or matplotlib: the four charts need about 200 lines; the
output is plain markup that WeasyPrint renders in the PDF exactly as a browser does, carries our
own <title>/<desc> and colours, needs no JavaScript and no fonts beyond the page's, and adds no
pin (STYLE.md: dependencies earn their place). pygal would bring its own CSS and JavaScript hooks
that we would then strip; matplotlib is 40 MB for four pictures.

Every chart is an <svg role="img"> labelled by its <title> and <desc>; the templates put a data
table next to each one, so nothing is said by the picture alone. The map draws country and US
state outlines from our own data file (geography.py), never from a tile server.
"""

import html
import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import count

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from campusvoice.analytics import geography
from campusvoice.analytics.figures import fast_number

ACCENT = "#5b2a86"
MUTED = "#4a4a55"
LINE = "#d5d5dc"
_ids = count(1)


def escape(text) -> str:
    """HTML-escaped text. The standard library's escape: Django's checks every argument for lazy
    text first, which cost ~10 ms for the 400 escapes of a 200-campus page."""
    return html.escape(str(text))


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
    # Four gridlines a round whole number apart (1, 2, 5 × 10ⁿ): counts read 0, 10, 20, 30, 40,
    # never 12.5 comments.
    step = max(1, _nice_ceiling(max(v for _d, v in points) / 4, steps=(1, 2, 5, 10)))
    top_value = 4 * step
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
    row, left, right = 24, 190, 70
    height = max(row * len(items) + 8, 40)
    head, tail = _open(width, height, title, desc)
    known = [v for _label, v in items if v is not None]
    top_value = max(known, default=0) or 1
    plot_w = width - left - right
    parts = [head]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        # 12 px type is about 6.8 px a character: 26 characters fill the 182 px left of the bars.
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


# Light to dark: a darker dot is a larger share. Four classes are as many as a reader can tell apart.
SHARE_COLOURS = ("#e0cfee", "#b48ad6", "#8450b0", "#4b1f73")
SEA, LAND, ABROAD, BORDER, STATE_LINE = "#e6eef6", "#ffffff", "#eeeef1", "#8c8c99", "#c9c9d2"


def _nice_ceiling(value: float, steps: tuple[float, ...] = (1, 2, 2.5, 5, 10)) -> float:
    """The smallest step × 10ⁿ that is at least value (fractions too): 0.046 → 0.05, 33 → 50."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in steps if value <= step * magnitude * (1 + 1e-9))


def share_classes(shares: list[float]) -> list[tuple[float, float]]:
    """Four equal classes of reach share, from 0 to a round number at or above the largest share.

    A largest share of 4.6 % rounds up to 5 %: 0–1.25, 1.25–2.5, 2.5–3.75 and 3.75–5 % (as
    fractions). Without any share, four classes up to 1 %.
    """
    top = _nice_ceiling(max(shares, default=0), steps=(1, 2, 5, 10)) if any(shares) else 0.01
    return [
        (top * i / len(SHARE_COLOURS), top * (i + 1) / len(SHARE_COLOURS)) for i in range(len(SHARE_COLOURS))
    ]


def share_class(share: float, classes: list[tuple[float, float]]) -> int:
    """The index of the class a share falls in; a bound belongs to the class below it."""
    for i, (_low, high) in enumerate(classes):
        if share <= high * (1 + 1e-9):
            return i
    return len(classes) - 1


@dataclass(frozen=True)
class MapView:
    """A frame in degrees and its size in pixels; equirectangular with a standard parallel."""

    west: float
    south: float
    east: float
    north: float
    width: int
    height: int

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            (lon - self.west) / (self.east - self.west) * self.width,
            (self.north - lat) / (self.north - self.south) * self.height,
        )


def map_view(points: list[tuple[float, float]], width: int) -> MapView:
    """The frame around the campuses, padded, at least 3° tall, and never wider than twice its height."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    # East-west distances shrink by cos(latitude): scaling by it at the middle latitude keeps
    # Italy and a US state their shape (equirectangular with its standard parallel there).
    squeeze = max(0.2, math.cos(math.radians((min(lats) + max(lats)) / 2)))
    span_lon, span_lat = max(lons) - min(lons), max(lats) - min(lats)
    pad = max(0.6, 0.08 * max(span_lon * squeeze, span_lat))
    west, east = min(lons) - pad / squeeze, max(lons) + pad / squeeze
    south, north = min(lats) - pad, max(lats) + pad
    if north - south < 3:
        middle = (north + south) / 2
        south, north = middle - 1.5, middle + 1.5
    # The picture's proportions follow the campuses, between landscape 2:1 and square.
    ratio = min(1.0, max(0.5, (north - south) / ((east - west) * squeeze)))
    height = round(width * ratio)
    span_x, span_y = (east - west) * squeeze, north - south
    if span_x / width < span_y / height:
        extra = (span_y * width / height - span_x) / squeeze
        west, east = west - extra / 2, east + extra / 2
    else:
        extra = span_x * height / width - span_y
        south, north = south - extra / 2, north + extra / 2
    return MapView(round(west, 3), round(south, 3), round(east, 3), round(north, 3), width, height)


def _ring_path(view: MapView, coords: tuple[float, ...]) -> str:
    xy = view.xy
    points = " ".join(
        f"{x:.1f},{y:.1f}" for x, y in (xy(coords[i], coords[i + 1]) for i in range(0, len(coords), 2))
    )
    return f"M{points}Z"


@lru_cache(maxsize=64)
def _outlines(view: MapView, home: tuple[str, ...]) -> str:
    """The land under a map: countries (the campuses' own in white) and US state lines.

    Cached per frame: the frame depends only on the campuses' coordinates, so every request for
    the same campaign draws the same outlines.
    """
    margin = 0.5
    bbox = (view.west - margin, view.south - margin, view.east + margin, view.north + margin)
    countries, states = geography.rings_within(bbox)
    parts = []
    for numeric, rings in countries:
        fill = LAND if numeric in home else ABROAD
        path = "".join(_ring_path(view, ring.coords) for ring in rings)
        parts.append(
            f'<path d="{path}" fill="{fill}" stroke="{BORDER}" stroke-width=".7" fill-rule="evenodd"/>'
        )
    if states:
        path = "".join(_ring_path(view, ring.coords) for rings in states for ring in rings)
        parts.append(f'<path d="{path}" fill="none" stroke="{STATE_LINE}" stroke-width=".6"/>')
    return "".join(parts)


# Map type, in viewBox units. The map is drawn 640 wide and shown in a half-width card about
# 550 px wide, so 14 reads as 12 px on screen; 11 read as 9.5 px, too small to read.
MAP_FONT = 14
# Width of a character of MAP_FONT type, estimated for DejaVu Sans, the widest of the fonts we name.
MAP_CHAR = 0.62 * MAP_FONT
INSET_HEIGHT, INSET_GAP = 150, 10

Campus = tuple[str, float, float, float | None]  # name, longitude, latitude, share reached


@dataclass(frozen=True)
class MapPanel:
    """One box of a map: its frame, where it sits in the picture, and the campuses drawn in it."""

    view: MapView
    x: float
    y: float
    campuses: tuple[Campus, ...]
    name: str = ""  # an inset's name ("Alaska"), in English; empty for the main map
    home: tuple[str, ...] = ()


def inset_view(frame: tuple[float, float, float, float], height: int) -> MapView:
    """A fixed frame (a whole state) at the given height, between square and twice as wide as tall."""
    west, south, east, north = frame
    squeeze = max(0.2, math.cos(math.radians((south + north) / 2)))
    span_x, span_y = (east - west) * squeeze, north - south
    if span_x < span_y:
        extra = (span_y - span_x) / squeeze
        west, east = west - extra / 2, east + extra / 2
    elif span_x > 2 * span_y:
        # A thin island chain gets sea above and below rather than becoming a sliver.
        extra = span_x / 2 - span_y
        south, north = south - extra / 2, north + extra / 2
    ratio = (east - west) * squeeze / (north - south)
    return MapView(
        round(west, 3), round(south, 3), round(east, 3), round(north, 3), round(height * ratio), height
    )


def map_layout(campuses: list[Campus], country: str, width: int) -> list[MapPanel]:
    """The main map fitted to the campuses, and an inset for each outlying part that has some.

    Outlying parts (geography.INSETS: Alaska, Hawaii, Puerto Rico… for the United States) get
    their own box in a row under the main map whenever the campuses are not all in one part,
    so a campus in Honolulu never stretches the frame of the other 49 over the Pacific. Insets
    that do not fit side by side are shrunk together.
    """
    home = (geography.country_numeric(country),)
    groups: dict[geography.Inset | None, list[Campus]] = {}
    for name, lon, lat, share in campuses:
        found = geography.inset_for(country, lon, lat)
        inset, lon = found if found else (None, lon)
        groups.setdefault(inset, []).append((name, lon, lat, share))
    if len(groups) == 1:
        # All in one part (only Hawaii, say): the ordinary map fits them, nothing is stretched.
        return [MapPanel(map_view([(c[1], c[2]) for c in campuses], width), 0, 0, tuple(campuses), home=home)]
    insets = [inset for inset in geography.INSETS[country.upper()] if inset in groups]
    main_campuses = groups.get(None) or groups[insets.pop(0)]
    view = map_view([(c[1], c[2]) for c in main_campuses], width)
    panels = [MapPanel(view, 0, 0, tuple(main_campuses), home=home)]
    height = INSET_HEIGHT
    widths = [inset_view(i.frame, height).width for i in insets]
    room = width - INSET_GAP * (len(insets) - 1)
    if sum(widths) > room:
        height = int(height * room / sum(widths))
    x, top = 0, view.height + INSET_GAP
    for inset in insets:
        inset_frame = inset_view(inset.frame, height)
        panels.append(MapPanel(inset_frame, x, top, tuple(groups[inset]), inset.name, inset.land or home))
        x += inset_frame.width + INSET_GAP
    return panels


def campus_map(
    *,
    title: str,
    desc: str,
    campuses: list[Campus],
    country: str = "",
    width: int = 640,
) -> SafeString:
    """Campuses at their lon/lat over country outlines, fitted to their extent, with a legend.

    A dot's area grows with the share of students reached and its colour darkens by class of
    share; a hollow dot means no figure yet. Names are drawn only when there are few enough to
    read (the table beside the map has them all). `country` (ISO alpha-2) is drawn in white,
    its neighbours in grey. Outlying parts of a country get insets (map_layout).
    """
    if not campuses:
        head, tail = _open(width, 40, title, desc)
        return _svg([head, tail])
    panels = map_layout(campuses, country, width)
    maps_h = max(p.y + p.view.height for p in panels)
    shares = [c[3] for c in campuses if c[3] is not None]
    classes = share_classes(shares)
    legend, legend_h = _legend(classes if shares else [], top=maps_h + 8, width=width)
    head, tail = _open(width, maps_h + 8 + legend_h, title, desc)
    style = _DotStyle(
        classes=classes,
        largest=max(shares, default=0) or 1,
        biggest=12 if len(campuses) <= 30 else 6,
        labelled=len(campuses) <= 20,
    )
    parts = [head]
    for panel in panels:
        parts += _panel(panel, style)
    parts.append(legend)
    parts.append(tail)
    return _svg(parts)


@dataclass(frozen=True)
class _DotStyle:
    classes: list[tuple[float, float]]
    largest: float
    biggest: float
    labelled: bool


def _panel(panel: MapPanel, style: _DotStyle) -> list[str]:
    view = panel.view
    clip = f"map-clip-{next(_ids)}"
    moved = f' transform="translate({panel.x:.1f},{panel.y:.1f})"' if panel.x or panel.y else ""
    parts = [
        f"<g{moved}>",
        f'<defs><clipPath id="{clip}"><rect width="{view.width}" height="{view.height}"/></clipPath></defs>',
        f'<g clip-path="url(#{clip})"><rect width="{view.width}" height="{view.height}" fill="{SEA}"/>',
        _outlines(view, panel.home),
    ]
    # Small dots on top of large ones, so none hides another.
    for name, lon, lat, share in sorted(panel.campuses, key=lambda c: -(c[3] or 0)):
        x, y = view.xy(lon, lat)
        if share is None:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{MUTED}" stroke-width="1.5">'
                f"<title>{escape(name)}</title></circle>"
            )
        else:
            radius = _radius(share, style)
            colour = SHARE_COLOURS[share_class(share, style.classes)]
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}" fill-opacity=".9" '
                f'stroke="#2d1145" stroke-width=".8"><title>{escape(name)} {escape(_fmt(share, True))}</title>'
                "</circle>"
            )
    taken = []
    if panel.name:
        # The inset's name in its top left corner, kept clear of campus names.
        label = gettext(panel.name)
        parts += _halo_text(6, 6 + MAP_FONT, "start", label, 'font-weight="bold"')
        taken.append((0, 0, 12 + MAP_CHAR * len(label), 10 + MAP_FONT))
    if style.labelled:
        parts += _labels(view, list(panel.campuses), style, taken)
    parts.append(f'</g><rect width="{view.width}" height="{view.height}" fill="none" stroke="{BORDER}"/></g>')
    return parts


def _halo_text(x: float, y: float, anchor: str, text: str, extra: str = "") -> list[str]:
    # A white copy underneath keeps the text legible over borders and dots.
    return [
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{MAP_FONT}" {extra} {paint}>'
        f"{escape(text)}</text>"
        for paint in ('fill="#fff" stroke="#fff" stroke-width="3"', 'fill="#1b1b1f"')
    ]


def _places(radius: float) -> tuple[tuple[float, float, str], ...]:
    """Where a campus name may go, in order: (dx, dy, text-anchor) from the centre of its dot."""
    side = radius + 3
    return (
        (side, -7, "start"),
        (-side, -7, "end"),
        (side, 17, "start"),
        (-side, 17, "end"),
        (0, -radius - 4, "middle"),
        (0, radius + MAP_FONT + 1, "middle"),
    )


def _radius(share: float | None, style: "_DotStyle") -> float:
    return 4 if share is None else 3 + style.biggest * (share / style.largest) ** 0.5


def _labels(
    view: MapView, campuses: list[Campus], style: "_DotStyle", taken: list[tuple[float, float, float, float]]
) -> list[str]:
    """Campus names beside their dots, each where it overlaps no name already placed.

    Tries right-above, left-above, right-below, left-below, then centred above and below the
    dot (in a narrow inset only those fit); a name that fits nowhere is left out (the table under the map has every campus). `taken` holds boxes already
    used (an inset's name).
    """
    taken = list(taken)
    dots = [view.xy(lon, lat) for _name, lon, lat, _share in campuses]
    parts = []
    # At most 24 characters, fewer in a small inset: a shortened name beats none.
    longest = max(6, min(24, int((view.width - 20) / MAP_CHAR)))
    for (name, _lon, _lat, share), (x, y) in zip(campuses, dots, strict=True):
        label = name if len(name) <= longest else name[: longest - 1] + "…"
        w, h = MAP_CHAR * len(label), MAP_FONT + 1
        for dx, dy, anchor in _places(_radius(share, style)):
            left = x + dx - {"start": 0, "middle": w / 2, "end": w}[anchor]
            if anchor == "middle":
                # Above or below the dot, slid sideways to stay inside the frame.
                left = min(max(2, left), view.width - 2 - w)
            box = (left, y + dy - h + 3, left + w, y + dy + 3)
            inside = box[0] >= 2 and box[2] <= view.width - 2 and box[1] >= 2 and box[3] <= view.height - 2
            clear = not any(
                b[0] < box[2] and box[0] < b[2] and b[1] < box[3] and box[1] < b[3] for b in taken
            )
            # A name must not cover another campus's dot either.
            clear = clear and not any(
                box[0] - 3 < px < box[2] + 3 and box[1] - 3 < py < box[3] + 3
                for px, py in dots
                if (px, py) != (x, y)
            )
            if inside and clear:
                taken.append(box)
                text_x = left + w / 2 if anchor == "middle" else x + dx
                parts += _halo_text(text_x, y + dy, anchor, label)
                break
    return parts


def _percent(share: float) -> str:
    """A class bound as a percentage with the decimals it needs: 0, 1.25, 2.5, 5."""
    value = round(share * 100, 2)
    decimals = 0 if value == int(value) else 1 if value * 10 == int(value * 10) else 2
    return fast_number(value, decimals, False, get_language())


def _legend(classes: list[tuple[float, float]], *, top: float, width: int) -> tuple[str, int]:
    """The legend under the map and its height: items run on to a second line when they must
    (Italian labels are longer)."""
    line = MAP_FONT + 10
    parts = [
        f'<text x="0" y="{top + MAP_FONT}" font-size="{MAP_FONT}" fill="#1b1b1f" font-weight="bold">'
        f"{escape(gettext('Share of students reached'))}</text>"
    ]
    items = [
        (f"{_percent(low)}–{_percent(high)} %", colour, 6)
        for (low, high), colour in zip(classes, SHARE_COLOURS, strict=False)
    ]
    items.append((gettext("no figure yet"), None, 4))
    x, y = 0.0, top + MAP_FONT + line
    for label, colour, radius in items:
        item_w = 20 + MAP_CHAR * len(label)
        if x and x + item_w > width:
            x, y = 0.0, y + line
        paint = (
            f'fill="{colour}" stroke="#2d1145" stroke-width=".8"'
            if colour
            else f'fill="#fff" stroke="{MUTED}" stroke-width="1.5"'
        )
        parts.append(f'<circle cx="{x + 7:.1f}" cy="{y - MAP_FONT / 2 + 2:.1f}" r="{radius}" {paint}/>')
        parts.append(
            f'<text x="{x + 18:.1f}" y="{y:.1f}" font-size="{MAP_FONT}" fill="#1b1b1f">{escape(label)}</text>'
        )
        x += item_w + 16
    return "".join(parts), round(y - top + 6)
