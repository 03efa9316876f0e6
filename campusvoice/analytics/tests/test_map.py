"""The campus map: outlines from our own boundary file, dots by reach share, legend and table."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from campusvoice.accounts.models import Role
from campusvoice.analytics import charts, geography, report, selectors, services
from campusvoice.campuses.tests.factories import UniversityFactory

pytestmark = pytest.mark.django_db


def _query(small):
    return {"campaign": small.campaign.slug, "date_from": "2026-10-01", "date_to": "2026-10-31"}


def test_the_boundary_file_holds_italy_its_neighbours_and_every_us_state():
    countries, states = geography.boundaries()
    by_id = {c.id: c for c in countries}

    italy = by_id[geography.country_numeric("IT")]
    west, south, east, north = italy.bbox
    # Italy runs from about 6.6° E to 18.5° E and 35.5° N (Lampedusa) to 47.1° N.
    assert 6 < west < 7 and 18 < east < 19 and 35 < south < 37 and 46.5 < north < 47.5
    assert {"250", "756", "040", "705"} <= set(by_id)  # France, Switzerland, Austria, Slovenia
    assert "840" in by_id and len(states) >= 50


def test_it_names_countries_in_the_readers_language():
    with translation.override("en"):
        assert geography.country_name("IT") == "Italy"
        assert geography.country_name("us") == "United States"
    with translation.override("it"):
        assert geography.country_name("IT") == "Italia"
        assert geography.country_name("US") == "Stati Uniti"
    assert geography.country_name("XX") == "XX"
    assert geography.country_name("") == "—"


def test_the_share_classes_round_the_largest_share_up():
    # Largest 4.6 % → up to 5 %, four classes of 1.25 %.
    classes = charts.share_classes([0.01, 0.046])

    bounds = [bound for low_high in classes for bound in low_high]
    assert bounds == pytest.approx([0, 0.0125, 0.0125, 0.025, 0.025, 0.0375, 0.0375, 0.05])
    assert charts.share_class(0.01, classes) == 0
    assert charts.share_class(0.0125, classes) == 0  # a bound belongs to the class below it
    assert charts.share_class(0.04, classes) == 3
    assert charts.share_class(0.3, classes) == 3  # above the top: the darkest class


def test_the_frame_holds_every_campus_with_a_margin_and_keeps_proportions():
    # Bologna and Milan: 2.15° of longitude, 0.97° of latitude apart.
    points = [(11.34, 44.49), (9.19, 45.46)]

    view = charts.map_view(points, 640)

    for lon, lat in points:
        x, y = view.xy(lon, lat)
        assert 20 < x < 620 and 20 < y < view.height - 20
    assert view.north - view.south >= 3  # never zoomed in closer than 3° of latitude
    assert 320 <= view.height <= 640
    # Equirectangular at the middle latitude: a degree east is cos(45°) of a degree north.
    px_per_lon = 640 / (view.east - view.west)
    px_per_lat = view.height / (view.north - view.south)
    assert px_per_lon / px_per_lat == pytest.approx(0.7071, rel=0.02)


def test_the_map_draws_the_country_its_neighbours_dots_by_share_and_a_legend():
    with translation.override("en"):
        svg = charts.campus_map(
            title="Campuses",
            desc="Dots",
            campuses=[
                ("Bologna", 11.34, 44.49, 0.04),
                ("Milano", 9.19, 45.46, 0.01),
                ("Padova", 11.88, 45.41, None),
            ],
            country="IT",
        )

    assert svg.count(f'fill="{charts.LAND}"') == 1  # Italy, in white
    assert svg.count(f'fill="{charts.ABROAD}"') >= 3  # France, Switzerland, Austria, Slovenia…
    # 4 % is in the top class of 0–5 %, 1 % in the first; Padova has no figure: a hollow dot.
    assert re.search(rf'fill="{charts.SHARE_COLOURS[3]}"[^>]*><title>Bologna 4\.0 %', svg)
    assert re.search(rf'fill="{charts.SHARE_COLOURS[0]}"[^>]*><title>Milano 1\.0 %', svg)
    assert '<circle cx="' in svg and "<title>Padova</title>" in svg
    assert "1.25–2.5 %" in svg and "no figure yet" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_a_us_map_draws_state_lines():
    svg = charts.campus_map(
        title="US",
        desc="US",
        campuses=[("NYU", -73.99, 40.73, 0.18), ("UF", -82.35, 29.65, 0.18)],
        country="US",
    )

    assert f'stroke="{charts.STATE_LINE}"' in svg


def test_the_maps_list_each_countrys_campuses_by_share_and_count_the_unplaced(small):
    services.analytics_refresh()
    small.campaign.universities.add(UniversityFactory(country="IT", latitude=None, longitude=None))
    rows = selectors.campus_table(campaign=small.campaign, period=small.period)

    with translation.override("it"):
        maps = report.map_charts(rows)

    assert [m.country for m in maps] == ["Italia"]
    # Beta 2,000 ÷ 40,000 = 5.0 %, Alpha 1,200 ÷ 30,000 = 4.0 %: largest first.
    assert [(name, share.value) for name, share in maps[0].placed] == [
        ("Beta University", pytest.approx(0.05)),
        ("Alpha University", pytest.approx(0.04)),
    ]
    assert report.unmapped_count(rows) == 1


def test_the_dashboard_shows_the_map_with_its_table(client_for, small):
    services.analytics_refresh()

    html = client_for(Role.ANALYST).get(reverse("home"), _query(small)).content.decode()

    assert "Map: Italy" in html
    assert f'fill="{charts.LAND}"' in html
    table = html[html.index("Map: Italy") :]
    assert table.index("Beta University") < table.index("Alpha University")
    assert "≤ 5.0 %" in table and "≤ 4.0 %" in table
    assert "Natural Earth" in html


CONTIGUOUS = [("NYU", -73.99, 40.73, 0.18), ("UF", -82.35, 29.65, 0.05), ("UW", -122.30, 47.65, 0.02)]
OUTLYING = [
    ("UAA", -149.82, 61.19, 0.04),  # Anchorage, Alaska
    ("Manoa", -157.82, 21.30, 0.03),  # Honolulu, Hawaii
    ("UPR", -66.05, 18.40, None),  # San Juan, Puerto Rico
]


@pytest.mark.parametrize("outlying", OUTLYING, ids=lambda c: c[0])
def test_a_campus_in_alaska_hawaii_or_puerto_rico_does_not_stretch_the_us_map(outlying):
    alone = charts.map_layout(CONTIGUOUS, "US", 640)
    main, inset = charts.map_layout([*CONTIGUOUS, outlying], "US", 640)

    # The main frame is the one the contiguous campuses get on their own, to the pixel.
    assert main.view == alone[0].view and {c[0] for c in main.campuses} == {"NYU", "UF", "UW"}
    # The outlying campus sits in its own box under the main map, inside that box's frame.
    assert [c[0] for c in inset.campuses] == [outlying[0]]
    assert inset.y >= main.view.height and inset.x + inset.view.width <= 640
    x, y = inset.view.xy(inset.campuses[0][1], inset.campuses[0][2])
    assert 0 < x < inset.view.width and 0 < y < inset.view.height


def test_each_outlying_part_gets_its_own_named_inset_in_a_row_that_fits_the_map():
    panels = charts.map_layout([*CONTIGUOUS, *OUTLYING], "US", 640)

    assert [p.name for p in panels] == ["", "Alaska", "Hawaii", "Puerto Rico"]
    insets = panels[1:]
    assert len({p.y for p in insets}) == 1  # one row
    for left, right in zip(insets, insets[1:], strict=False):
        assert left.x + left.view.width < right.x  # side by side, never overlapping
    assert insets[-1].x + insets[-1].view.width <= 640
    # Each inset frames its whole state, not only the campus: Hawaii from Kauai to the Big Island.
    hawaii = insets[1].view
    assert hawaii.west <= -159.8 and hawaii.east >= -154.8


def test_the_insets_are_drawn_with_their_names():
    campuses = [*CONTIGUOUS, *OUTLYING]
    with translation.override("en"):
        svg = charts.campus_map(title="US", desc="US", campuses=campuses, country="US")
    assert svg.count('transform="translate(') == 3
    assert ">Alaska</text>" in svg and ">Hawaii</text>" in svg and ">Puerto Rico</text>" in svg


def test_the_inset_names_and_the_legend_are_in_italian():
    with translation.override("it"):
        svg = charts.campus_map(title="US", desc="US", campuses=[*CONTIGUOUS, *OUTLYING], country="US")

    assert ">Porto Rico</text>" in svg and ">nessun dato</text>" in svg


def test_campuses_all_in_one_outlying_part_get_an_ordinary_map():
    panels = charts.map_layout([OUTLYING[1], ("Hilo", -155.08, 19.70, 0.01)], "US", 640)

    assert len(panels) == 1 and panels[0].name == ""
    assert panels[0].view.west > -161 and panels[0].view.east < -153


def test_the_alaska_inset_keeps_the_aleutians_west_of_the_date_line_beside_the_state():
    alaska = geography.INSETS["US"][0]
    assert alaska.holds(179.0, 52.0) == pytest.approx(-181.0)  # Amchitka-ish, moved 360° west
    view = charts.inset_view(alaska.frame, 150)

    countries, _states = geography.rings_within((view.west, view.south, view.east, view.north))

    # No ring spans the map: Russia's, which crosses the date line, is unwrapped to one side.
    for _numeric, rings in countries:
        for ring in rings:
            assert ring.bbox[2] - ring.bbox[0] < 360
            assert ring.bbox[2] <= 0
    us = dict(countries)[geography.country_numeric("US")]
    assert min(ring.bbox[0] for ring in us) < -180  # the Aleutians beyond 180° are there


def test_map_names_are_large_enough_to_read_in_a_half_width_card():
    # The card shows the 640-wide map at about 550 px: 14 units read as 12 px.
    svg = charts.campus_map(title="US", desc="US", campuses=CONTIGUOUS, country="US")

    sizes = {int(size) for size in re.findall(r'<text[^>]*font-size="(\d+)"', svg)}
    assert sizes == {charts.MAP_FONT} and charts.MAP_FONT * 550 / 640 >= 12
    assert "NYU</text>" in svg


def test_the_legend_runs_on_to_a_second_line_when_it_must():
    with translation.override("en"):
        _one, one_line = charts._legend(charts.share_classes([0.05]), top=0, width=640)
        _two, two_lines = charts._legend(charts.share_classes([0.05]), top=0, width=300)

    assert two_lines > one_line
