"""The generic "csv" kind: any CSV or XLSX whose columns an organiser maps to University fields."""

import re
from collections.abc import Iterator

from django.utils.translation import gettext as _

from campusvoice.campuses.imports.errors import ErrorList, file_error, missing_columns_error
from campusvoice.campuses.imports.reading import Table
from campusvoice.campuses.imports.sources import Rows, Seen, unitid
from campusvoice.campuses.imports.values import Cells
from campusvoice.campuses.imports.writing import Record, name_key
from campusvoice.campuses.models import University

# What a mapped file may set. Coordinates it sets count as an organiser's ("manual").
MAPPABLE_FIELDS = (
    "name",
    "short_name",
    "country",
    "region",
    "city",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "website",
    "control",
    "enrollment_total",
    "enrollment_year",
    "enrollment_source",
    "enrollment_band",
    "chief_admin_name",
    "chief_admin_title",
    "ipeds_unitid",
    "mur_code",
    "notes",
)
COUNTRY = re.compile(r"[A-Z]{2}")


def mapping_resolve(*, table: Table, file_name: str, mapping: dict[str, str] | None) -> dict[str, str]:
    """field -> column. Without a mapping, columns named like a field ("name", "City") are used."""
    if not mapping:
        mapping = {
            column: column.casefold().replace(" ", "_")
            for column in table.header
            if column.casefold().replace(" ", "_") in MAPPABLE_FIELDS
        }
    errors = ErrorList(file_name)
    by_field: dict[str, str] = {}
    for column, target in mapping.items():
        if target not in MAPPABLE_FIELDS:
            errors.add(
                line=1,
                field=column,
                message=_(
                    "“%(field)s” is not a university field that can be imported. Choose from: %(fields)s."
                )
                % {"field": target, "fields": ", ".join(MAPPABLE_FIELDS)},
            )
        elif target in by_field:
            errors.add(
                line=1, field=column, message=_("Two columns are mapped to %(field)s.") % {"field": target}
            )
        else:
            by_field[target] = column
    errors.raise_if_any()
    missing = [column for column in by_field.values() if column not in table.header]
    if missing:
        missing_columns_error(file_name, missing)
    if not ({"ipeds_unitid", "mur_code"} & by_field.keys() or {"name", "country"} <= by_field.keys()):
        file_error(
            file_name,
            _("header"),
            _(
                "Map a column to ipeds_unitid, to mur_code, or to both name and country, so rows can be matched."
            ),
        )
    if ("latitude" in by_field) != ("longitude" in by_field):
        file_error(file_name, _("header"), _("Map both latitude and longitude, or neither."))
    return by_field


def mapped_records(
    table: Table, rows: Rows, errors: ErrorList, *, file_name: str, mapping: dict[str, str] | None
) -> Iterator[Record | None]:
    columns = mapping_resolve(table=table, file_name=file_name, mapping=mapping)
    seen = Seen(errors)
    for line, values in rows:
        cells = Cells(values, line=line, errors=errors)
        data = {name: _value(cells, name, column) for name, column in columns.items()}
        coordinates = None
        if "latitude" in columns:
            data.pop("latitude"), data.pop("longitude")
            coordinates = cells.coordinates(columns["latitude"], columns["longitude"])
        if cells.failed:
            continue
        if data.get("ipeds_unitid"):
            key, column = ("ipeds_unitid", data["ipeds_unitid"]), columns["ipeds_unitid"]
        elif data.get("mur_code"):
            key, column = ("mur_code", data["mur_code"]), columns["mur_code"]
        elif data.get("name") and data.get("country"):
            key, column = ("name", name_key(data["name"], data["country"])), columns["name"]
        else:
            cells.error(
                columns.get("name", "name"),
                _("Each row needs an IPEDS id, a MUR code, or a name and a country."),
            )
            continue
        if not seen.first(key, line=line, column=column):
            continue
        record = Record(line=line, key=key)
        enrollment, source = data.pop("enrollment_total", None), data.pop("enrollment_source", "")
        if enrollment is not None:
            record.enrollment = (enrollment, source or file_name[:200])
        if coordinates:
            record.coordinates = (*coordinates, University.CoordinatesSource.MANUAL)
        record.own = data
        yield record


def _value(cells: Cells, name: str, column: str):
    if name in ("latitude", "longitude"):
        return None
    if name in ("enrollment_total", "enrollment_year"):
        value = cells.count(column)
        if value is not None and name == "enrollment_year" and not 1900 <= value <= 2100:
            cells.error(column, _("“%(value)s” is not a year.") % {"value": value})
        return value
    if name == "website":
        return cells.website(column)
    if name == "ipeds_unitid":
        return unitid(cells, column) if cells.text(column) else ""
    if name == "country":
        country = cells.text(column).upper()
        if country and not COUNTRY.fullmatch(country):
            cells.error(column, _("Use the two-letter country code, for example IT or US."))
        return country
    if name == "control":
        text = cells.text(column).casefold()
        choices = {str(label).casefold(): value for value, label in University.Control.choices}
        choices |= {value: value for value in University.Control.values} | {"unknown": ""}
        if text not in choices:
            cells.error(
                column, _("Use one of: %(choices)s.") % {"choices": ", ".join(University.Control.values[:-1])}
            )
        return choices.get(text, "")
    return cells.text(column, field=name)
