"""Turning the cells of a directory file into clean values, or an error naming the column."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _

from campusvoice.campuses.imports.errors import ErrorList
from campusvoice.campuses.models import University

# Cells that mean "no value": blank, the "." and "NULL" of NCES exports, HIFLD's text marker.
BLANK_CELLS = frozenset({"", ".", "NULL", "N/A", "NA", "NOT AVAILABLE"})
# "1,234" and "1,234.5": thousands separators as Excel and NCES write them.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
COORDINATE_STEP = Decimal("0.000001")  # the six decimal places University keeps
# Short words kept in lower case when tidying an ALL-CAPS name.
LOWER_WORDS = frozenset("a an and at for in of on the to d di da de del della delle degli dei e".split())


class BadValue(ValueError):
    """A cell that cannot be used; the text is for the organiser."""


class Cells:
    """One row's cells. A bad cell records "file:line: column: message" and reads as blank."""

    def __init__(self, values: dict[str, str], *, line: int, errors: ErrorList):
        self.values = values
        self.line = line
        self.errors = errors
        self.failed = False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.errors.add(line=self.line, field=column, message=message)

    def text(self, column: str, *, field: str | None = None) -> str:
        """The cell's text ("" for a blank marker), checked against University.<field> if given."""
        value = self.values.get(column, "")
        if value.upper() in BLANK_CELLS:
            return ""
        if field:
            try:
                University._meta.get_field(field).clean(value, None)
            except ValidationError as exc:
                self.error(column, " ".join(exc.messages))
                return ""
        return value

    def count(self, column: str, *, missing: frozenset[str] = frozenset()) -> int | None:
        """A whole number of people or incidents, None when blank or one of `missing`."""
        raw = self.values.get(column, "")
        # Fast path for the 140,000 plain counts of a Clery file ("3", "3.0").
        digits = raw[:-2] if raw.endswith(".0") else raw
        if digits.isascii() and digits.isdigit() and len(digits) < 10:
            return int(digits)
        try:
            value = number(raw, missing=missing)
            if value is None:
                return None
            if value != value.to_integral_value() or value < 0 or value > 2_147_483_647:
                raise BadValue(
                    _("“%(value)s” is not a whole number of 0 or more.") % {"value": _shown(value)}
                )
        except BadValue as exc:
            self.error(column, str(exc))
            return None
        return int(value)

    def coordinates(self, latitude: str, longitude: str) -> tuple[Decimal, Decimal] | None:
        """Both coordinates in WGS84 degrees, or None when both are blank."""
        found = []
        for column, limit in ((latitude, 90), (longitude, 180)):
            try:
                value = number(self.values.get(column, ""))
                if value is not None and not -limit <= value <= limit:
                    raise BadValue(
                        _("%(value)s is outside -%(limit)d…%(limit)d degrees.")
                        % {"value": _shown(value), "limit": limit}
                    )
            except BadValue as exc:
                self.error(column, str(exc))
                return None
            found.append(value)
        if found[0] is None and found[1] is None:
            return None
        if found[0] is None or found[1] is None:
            blank = latitude if found[0] is None else longitude
            self.error(blank, _("Give both coordinates or neither."))
            return None
        return found[0].quantize(COORDINATE_STEP), found[1].quantize(COORDINATE_STEP)

    def website(self, column: str) -> str:
        """A web address with its scheme ("www.unibo.it" becomes "https://www.unibo.it")."""
        value = self.text(column)
        if not value:
            return ""
        if "://" not in value:
            value = "https://" + value
        value = iri_to_uri(value)
        try:
            University._meta.get_field("website").clean(value, None)
        except ValidationError as exc:
            self.error(column, " ".join(exc.messages))
            return ""
        return value


def number(raw: str, *, missing: frozenset[str] = frozenset()) -> Decimal | None:
    raw = raw.strip()
    if raw.upper() in BLANK_CELLS or raw in missing:
        return None
    try:
        value = Decimal(raw.replace(",", "") if "," in raw and THOUSANDS.fullmatch(raw) else raw)
    except InvalidOperation:
        raise BadValue(_("“%(value)s” is not a number.") % {"value": raw[:40]}) from None
    if not value.is_finite():
        raise BadValue(_("“%(value)s” is not a number.") % {"value": raw[:40]})
    return value


def _shown(value: Decimal) -> str:
    return str(value.normalize()) if value == value.to_integral_value() else str(value)


def tidy_caps(text: str) -> str:
    """ "UNIVERSITY OF ALABAMA" -> "University of Alabama", "L'AQUILA" -> "L'Aquila"; mixed case stays."""
    if not text.isupper():
        return text

    def word(match: re.Match) -> str:
        lower = match[0].lower()
        return lower if match.start() and lower in LOWER_WORDS else lower.capitalize()

    return re.sub(r"[^\W_]+", word, text)
