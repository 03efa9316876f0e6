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
from django.utils.translation import get_language

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


def rings_within(
    bbox: tuple[float, float, float, float],
) -> tuple[list[tuple[str, list[Ring]]], list[list[Ring]]]:
    """The country rings (with each country's numeric code) and US state rings that touch bbox."""
    countries, states = boundaries()

    def pick(shape: Shape) -> list[Ring]:
        if not _overlaps(shape.bbox, bbox):
            return []
        return [ring for ring in shape.rings if _overlaps(ring.bbox, bbox)]

    found = [(c.id, rings) for c in countries if (rings := pick(c))]
    return found, [rings for s in states if (rings := pick(s))]


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
