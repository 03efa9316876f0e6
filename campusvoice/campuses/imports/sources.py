"""One reader per kind of directory file, each turning rows into Records.

Column names and codes follow each file's SOURCE.md in shared/data: IPEDS HD2020, HIFLD
"Colleges and Universities", the Clery Act on-campus and residence-hall tables, MUR "Atenei".
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from campusvoice.campuses.imports.errors import ErrorList, file_error
from campusvoice.campuses.imports.gazetteer import comune_locate
from campusvoice.campuses.imports.reading import Table
from campusvoice.campuses.imports.values import Cells, tidy_caps
from campusvoice.campuses.imports.writing import CLERY_ENROLLMENT, HIFLD_ENROLLMENT, Record
from campusvoice.campuses.models import IncidentStatistic, University

Rows = Iterator[tuple[int, dict[str, str]]]
# Each reader yields a Record per row (per institution for Clery), or None for a row it skips.
UNITID = re.compile(r"\d{6}")
# IPEDS CONTROL, and the control part of SECTOR (1-3 four-year, 4-6 two-year, 7-9 shorter).
CONTROLS = {
    1: University.Control.PUBLIC,
    2: University.Control.PRIVATE_NONPROFIT,
    3: University.Control.PRIVATE_FORPROFIT,
}
IPEDS_CLOSED = "3"  # CYACTIVE 3: closed, combined or out of scope in the collection year


class Seen:
    """Ids met so far in one file, to report a duplicate with the line it repeats."""

    def __init__(self, errors: ErrorList):
        self.errors = errors
        self.lines: dict[object, int] = {}

    def first(self, key: object, *, line: int, column: str) -> bool:
        earlier = self.lines.setdefault(key, line)
        if earlier != line:
            self.errors.add(
                line=line,
                field=column,
                message=_("Duplicate id: already on line %(line)d.") % {"line": earlier},
            )
            return False
        return True


def unitid(cells: Cells, column: str, *, digits: int = 6) -> str:
    value = cells.text(column)
    if not value or not value.isdigit() or len(value) != digits:
        cells.error(column, _("An IPEDS id has %(digits)d digits.") % {"digits": digits})
        return ""
    return value


def sector_control(cells: Cells, column: str) -> str:
    sector = cells.count(column)
    return CONTROLS.get((sector - 1) % 3 + 1, "") if sector else ""


def us_postcode(raw: str) -> str:
    """ZIP codes as digits, with the leading zeros a spreadsheet dropped put back."""
    if raw.isdigit() and len(raw) in (3, 4, 7, 8):
        raw = raw.zfill(5 if len(raw) < 5 else 9)
    return f"{raw[:5]}-{raw[5:]}" if raw.isdigit() and len(raw) == 9 else raw


# IPEDS HD2020 ----------------------------------------------------------------------------------

IPEDS_COLUMNS = (
    "UNITID",
    "INSTNM",
    "ADDR",
    "CITY",
    "STABBR",
    "ZIP",
    "WEBADDR",
    "CONTROL",
    "LATITUDE",
    "LONGITUD",
)


def ipeds_records(table: Table, rows: Rows, errors: ErrorList, *, file_name: str) -> Iterator[Record | None]:
    table.require(file_name, IPEDS_COLUMNS)
    seen = Seen(errors)
    for line, values in rows:
        cells = Cells(values, line=line, errors=errors)
        key = unitid(cells, "UNITID")
        if not key or not seen.first(key, line=line, column="UNITID"):
            continue
        record = Record(line=line, key=("ipeds_unitid", key))
        record.own = {
            "name": cells.text("INSTNM", field="name"),
            "short_name": _first_alias(cells.text("IALIAS")),
            "country": "US",
            "region": cells.text("STABBR", field="region"),
            "city": cells.text("CITY", field="city"),
            "address": cells.text("ADDR", field="address"),
            "postcode": cells.text("ZIP", field="postcode"),
            "website": cells.website("WEBADDR"),
            "control": CONTROLS.get(cells.count("CONTROL", missing=frozenset({"-1", "-2", "-3"})), ""),
            "chief_admin_name": cells.text("CHFNM", field="chief_admin_name"),
            "chief_admin_title": cells.text("CHFTITLE", field="chief_admin_title"),
        }
        coordinates = cells.coordinates("LATITUDE", "LONGITUD")
        if coordinates:
            record.coordinates = (*coordinates, University.CoordinatesSource.IPEDS)
        if cells.failed:
            continue
        if values.get("CYACTIVE") == IPEDS_CLOSED:
            yield None  # skipped
            continue
        yield record


def _first_alias(aliases: str) -> str:
    """IALIAS lists aliases ("The University of Arizona | UArizona | ..."); keep the first short one."""
    first = re.split(r"\s*[|,;]\s*", aliases, maxsplit=1)[0]
    return first if len(first) <= 80 else ""


# HIFLD Colleges and Universities ---------------------------------------------------------------

HIFLD_COLUMNS = (
    "IPEDSID",
    "NAME",
    "ADDRESS",
    "CITY",
    "STATE",
    "ZIP",
    "LATITUDE",
    "LONGITUDE",
    "WEBSITE",
    "SECTOR",
    "TOT_ENROLL",
)


def hifld_records(table: Table, rows: Rows, errors: ErrorList, *, file_name: str) -> Iterator[Record | None]:
    table.require(file_name, HIFLD_COLUMNS)
    seen = Seen(errors)
    for line, values in rows:
        cells = Cells(values, line=line, errors=errors)
        key = unitid(cells, "IPEDSID")
        if not key or not seen.first(key, line=line, column="IPEDSID"):
            continue
        record = Record(line=line, key=("ipeds_unitid", key))
        record.fill = {
            "name": tidy_caps(cells.text("NAME", field="name")),
            "country": "US",
            "region": cells.text("STATE", field="region"),
            "city": tidy_caps(cells.text("CITY", field="city")),
            "address": tidy_caps(cells.text("ADDRESS", field="address")),
            "postcode": cells.text("ZIP", field="postcode"),
            "website": cells.website("WEBSITE"),
            "control": sector_control(cells, "SECTOR"),
        }
        coordinates = cells.coordinates("LATITUDE", "LONGITUDE")
        if coordinates:
            record.coordinates = (*coordinates, University.CoordinatesSource.HIFLD)
        enrollment = cells.count("TOT_ENROLL", missing=frozenset({"-999"}))
        if enrollment is not None:
            record.enrollment = (enrollment, HIFLD_ENROLLMENT)
        if not cells.failed:
            yield record


# Clery Act: on-campus crime, on-campus VAWA, residence-hall crime ------------------------------

CLERY_COLUMNS = ("UNITID_P", "INSTNM", "Address", "City", "State", "ZIP", "sector_cd", "Total")
CLERY_CATEGORIES = {
    "RAPE": IncidentStatistic.Category.RAPE,
    "FONDL": IncidentStatistic.Category.FONDLING,
    "INCES": IncidentStatistic.Category.INCEST,
    "STATR": IncidentStatistic.Category.STATUTORY_RAPE,
    "DOMEST": IncidentStatistic.Category.DOMESTIC_VIOLENCE,
    "DATING": IncidentStatistic.Category.DATING_VIOLENCE,
    "STALK": IncidentStatistic.Category.STALKING,
}
CLERY_TABLES = {"crime": ("RAPE", "FONDL", "INCES", "STATR"), "vawa": ("DOMEST", "DATING", "STALK")}
COUNT_COLUMN = re.compile(r"(?P<code>[A-Z]+)(?P<year>\d\d)")
# The crime tables of both places have the same columns: only the Department's file name
# ("Oncampuscrime202122", "Residencehallcrime202122") says which place was counted.
CLERY_PLACES = (
    (re.compile(r"residence|housing", re.IGNORECASE), IncidentStatistic.Location.RESIDENCE_HALL),
    (re.compile(r"(?<![a-z])on[-_ ]?campus", re.IGNORECASE), IncidentStatistic.Location.ON_CAMPUS),
)


@dataclass
class Institution:
    """Campus rows of one institution, added up: "Blank = not reported" stays unreported."""

    line: int
    campus: str
    cells: Cells
    enrollment: int | None = None
    counts: dict[tuple[int, str], int] = field(default_factory=dict)


def clery_records(table: Table, rows: Rows, errors: ErrorList, *, file_name: str) -> Iterator[Record | None]:
    table.require(file_name, CLERY_COLUMNS)
    columns = _clery_count_columns(table, file_name)
    location = next((place for pattern, place in CLERY_PLACES if pattern.search(file_name)), None)
    if location is None:
        file_error(
            file_name,
            _("file"),
            _(
                "Cannot tell whether this file counts on-campus or residence-hall incidents. Keep the "
                "Department's file name (for example Oncampuscrime202122 or Residencehallcrime202122)."
            ),
        )
    table_label = "VAWA offenses" if "DOMEST" in {code for code, _year in columns.values()} else "crime"
    place = "residence-hall" if location == IncidentStatistic.Location.RESIDENCE_HALL else "on-campus"
    source = f"U.S. Department of Education, Campus Safety and Security Survey ({place} {table_label})"
    seen = Seen(errors)
    institutions: dict[str, Institution] = {}
    for line, values in rows:
        cells = Cells(values, line=line, errors=errors)
        campus = unitid(cells, "UNITID_P", digits=9)
        if not campus or not seen.first(campus, line=line, column="UNITID_P"):
            continue
        institution = institutions.get(campus[:6])
        if institution is None or campus < institution.campus:
            # The lowest campus number (usually 001, the main campus) describes the institution.
            previous = institution
            institution = institutions[campus[:6]] = Institution(line=line, campus=campus, cells=cells)
            if previous:
                institution.enrollment, institution.counts = previous.enrollment, previous.counts
        total = cells.count("Total")
        if total is not None:
            # Every campus row repeats the institution's enrollment.
            institution.enrollment = max(institution.enrollment or 0, total)
        for column, (code, year) in columns.items():
            count = cells.count(column)
            if count is not None:
                key = (year, CLERY_CATEGORIES[code])
                institution.counts[key] = institution.counts.get(key, 0) + count
    for key, institution in institutions.items():
        cells = institution.cells
        record = Record(line=institution.line, key=("ipeds_unitid", key), statistics_source=source)
        record.fill = {
            "name": cells.text("INSTNM", field="name"),
            "country": "US",
            "region": cells.text("State", field="region"),
            "city": tidy_caps(cells.text("City", field="city")),
            "address": tidy_caps(cells.text("Address", field="address")),
            "postcode": us_postcode(cells.text("ZIP", field="postcode")),
            "control": sector_control(cells, "sector_cd"),
        }
        if institution.enrollment is not None:
            record.enrollment = (institution.enrollment, CLERY_ENROLLMENT)
        record.statistics = {
            (year, category, location): count for (year, category), count in institution.counts.items()
        }
        yield record


def _clery_count_columns(table: Table, file_name: str) -> dict[str, tuple[str, int]]:
    """The count columns present ("RAPE20" -> ("RAPE", 2020)); the table must be crime or VAWA."""
    found: dict[str, tuple[str, int]] = {}
    for column in table.header:
        match = COUNT_COLUMN.fullmatch(column)
        if match and match["code"] in CLERY_CATEGORIES:
            found[column] = (match["code"], 2000 + int(match["year"]))
    codes = {code for code, _year in found.values()}
    for table_codes in CLERY_TABLES.values():
        if codes and codes <= set(table_codes):
            years = sorted({year for _code, year in found.values()})
            expected = [f"{code}{year % 100:02d}" for code in table_codes for year in years]
            table.require(file_name, expected)
            return found
    crime = ", ".join(f"{code}20" for code in CLERY_TABLES["crime"])
    vawa = ", ".join(f"{code}20" for code in CLERY_TABLES["vawa"])
    file_error(
        file_name,
        _("header"),
        _("This is not a Clery crime or VAWA table: expected count columns such as %(crime)s or %(vawa)s.")
        % {"crime": crime, "vawa": vawa},
    )


# MUR Atenei ------------------------------------------------------------------------------------

MUR_COLUMNS = (
    "COD_Ateneo",
    "NomeEsteso",
    "NomeOperativo",
    "Status",
    "StataleLibera",
    "VIA",
    "COMUNE",
    "PROVINCIA",
    "REGIONE",
    "URL",
    "Ateneo_dimensione",
)
MUR_INACTIVE = "non attivo"


def mur_records(table: Table, rows: Rows, errors: ErrorList, *, file_name: str) -> Iterator[Record | None]:
    table.require(file_name, MUR_COLUMNS)
    seen = Seen(errors)
    for line, values in rows:
        cells = Cells(values, line=line, errors=errors)
        code = cells.text("COD_Ateneo", field="mur_code")
        if not code:
            cells.error("COD_Ateneo", _("The MUR code is missing."))
            continue
        code = code.zfill(5) if code.isdigit() else code  # a spreadsheet drops the leading zeros
        if not seen.first(code, line=line, column="COD_Ateneo"):
            continue
        comune = cells.text("COMUNE", field="city")
        record = Record(line=line, key=("mur_code", code))
        record.own = {
            "name": cells.text("NomeEsteso", field="name"),
            "short_name": cells.text("NomeOperativo", field="short_name"),
            "country": "IT",
            "region": tidy_caps(cells.text("REGIONE", field="region")),
            "city": tidy_caps(comune),
            "address": cells.text("VIA", field="address"),
            "website": cells.website("URL"),
            "control": University.Control.PUBLIC if cells.text("StataleLibera").lower() == "statale" else "",
            "enrollment_band": cells.text("Ateneo_dimensione", field="enrollment_band"),
        }
        if cells.failed:
            continue
        if cells.text("Status").lower() == MUR_INACTIVE:
            yield None  # skipped
            continue
        coordinates = comune_locate(comune=comune, provincia=cells.text("PROVINCIA")) if comune else None
        if coordinates:
            record.coordinates = (*coordinates, University.CoordinatesSource.GAZETTEER)
        yield record
