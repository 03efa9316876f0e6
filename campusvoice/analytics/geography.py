"""Country and US state outlines for the campus maps, and country names in the reader's language.

The outlines are our own data file, data/boundaries.json: Natural Earth 1:50m countries and US
Census states, both public domain, simplified (data/SOURCE.md says how to rebuild it). It is read
once per process; nothing is downloaded. Country names come from pycountry's ISO 3166 catalogue
and its translations, so "IT" reads "Italy" in English and "Italia" in Italian.
"""

import gettext
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry
from django.utils.translation import get_language, gettext_noop

DATA = Path(__file__).with_name("data") / "boundaries.json"


@dataclass(frozen=True)
class Ring:
    bbox: tuple[float, float, float, float]  # west, south, east, north
    coords: tuple[float, ...]  # lon, lat, lon, lat, …


@dataclass(frozen=True)
class Shape:
    id: str  # ISO 3166 numeric for a country, FIPS for a US state
    name: str
    bbox: tuple[float, float, float, float]
    rings: tuple[Ring, ...]


def _ring(flat: list[float]) -> Ring:
    xs, ys = flat[0::2], flat[1::2]
    return Ring((min(xs), min(ys), max(xs), max(ys)), tuple(flat))


@lru_cache(maxsize=1)
def boundaries() -> tuple[tuple[Shape, ...], tuple[Shape, ...]]:
    """(countries, US states), loaded once."""
    data = json.loads(DATA.read_text())

    def shapes(items):
        return tuple(
            Shape(item["id"], item["name"], tuple(item["bbox"]), tuple(_ring(r) for r in item["rings"]))
            for item in items
        )

    return shapes(data["countries"]), shapes(data["us_states"])


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _west_of_date_line(ring: Ring) -> Ring:
    """The ring with every point east of 0° moved 360° west: Chukotka and the Aleutians beyond
    the date line then lie beside Alaska, and a ring that crosses the date line (Russia's) no
    longer draws a line across the whole map."""
    coords = tuple(c - 360 if i % 2 == 0 and c > 0 else c for i, c in enumerate(ring.coords))
    return _ring(list(coords))


def rings_within(
    bbox: tuple[float, float, float, float],
) -> tuple[list[tuple[str, list[Ring]]], list[list[Ring]]]:
    """The country rings (with each country's numeric code) and US state rings that touch bbox.

    A bbox whose west edge lies beyond -180° (Alaska's inset) reaches across the date line: the
    rings there are moved 360° west (_west_of_date_line).
    """
    countries, states = boundaries()
    wrapped = (bbox[0] + 360, bbox[1], 180.0, bbox[3]) if bbox[0] < -180 else None

    def pick(shape: Shape) -> list[Ring]:
        if wrapped is None or not _overlaps(shape.bbox, wrapped):
            if not _overlaps(shape.bbox, bbox):
                return []
            return [ring for ring in shape.rings if _overlaps(ring.bbox, bbox)]
        moved = (_west_of_date_line(r) if r.bbox[2] > 0 else r for r in shape.rings)
        return [ring for ring in moved if _overlaps(ring.bbox, bbox)]

    found = [(c.id, rings) for c in countries if (rings := pick(c))]
    return found, [rings for s in states if (rings := pick(s))]


@dataclass(frozen=True)
class Inset:
    """A part of a country drawn in its own box beside the country's map, as national atlases do."""

    name: str  # English; shown through gettext
    frame: tuple[float, float, float, float]  # west, south, east, north; west may pass -180°
    # ISO 3166 numeric codes Natural Earth files this land under, drawn as home land in the box.
    land: tuple[str, ...] = ()

    def holds(self, lon: float, lat: float) -> float | None:
        """The campus's longitude in this box's frame (moved by 360° across the date line), or None."""
        west, south, east, north = self.frame
        if not south <= lat <= north:
            return None
        for candidate in (lon, lon - 360):
            if west <= candidate <= east:
                return candidate
        return None


# Without these, one campus in Honolulu or Anchorage stretches the map of the United States over
# the Pacific and shrinks the other campuses into a corner. The frames hold the whole state.
INSETS: dict[str, tuple[Inset, ...]] = {
    "US": (
        Inset(gettext_noop("Alaska"), (-188.0, 51.0, -129.5, 71.6), ("840",)),
        Inset(gettext_noop("Hawaii"), (-160.5, 18.7, -154.6, 22.4), ("840",)),
        Inset(gettext_noop("Puerto Rico"), (-67.4, 17.8, -65.2, 18.6), ("630",)),
        Inset(gettext_noop("US Virgin Islands"), (-65.2, 17.6, -64.5, 18.5), ("850",)),
        Inset(gettext_noop("Guam"), (144.5, 13.1, 145.1, 13.8), ("316",)),
    ),
}


def inset_for(country: str, lon: float, lat: float) -> tuple[Inset, float] | None:
    """The inset of `country` a campus falls in, with its longitude in the inset's frame."""
    for inset in INSETS.get((country or "").upper(), ()):
        if (moved := inset.holds(lon, lat)) is not None:
            return inset, moved
    return None


def country_numeric(code: str) -> str:
    """ISO 3166 numeric code ("040") for an alpha-2 code ("AT"), or "" when unknown."""
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    return country.numeric if country else ""


@lru_cache(maxsize=8)
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_name(code: str) -> str:
    """The country's common name in the active language; the code itself when it is unknown."""
    country = pycountry.countries.get(alpha_2=(code or "").upper())
    if country is None:
        return code or "—"
    name = getattr(country, "common_name", None) or country.name
    return _translations((get_language() or "en").split("-")[0]).gettext(name)
