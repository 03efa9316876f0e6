"""The shape of a figure: a value, how to show it, where it came from and what to beware of.

Values are formatted when they are shown (`str(figure)`), so the same object renders in the
reader's language: 4.0 % in English, 4,0 % in Italian.
"""

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _


class Kind:
    COUNT = "count"
    PERCENT = "percent"  # value is a fraction: 0.04 shows as 4.0 %
    RATIO = "ratio"
    MINUTES = "minutes"
    TEXT = "text"


@lru_cache(maxsize=16)
def _separators(language: str | None) -> tuple[str, str]:
    return get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")


def fast_number(value: float, decimals: int, grouped: bool, language: str | None) -> str:
    """A number in the reader's separators, rounded (number_format cuts 66.67 to 66.6).

    Also cheaper: a 200-campus table formats about 2,000 numbers per page; number_format looks its
    settings up on every call (0.2 ms each).
    """
    thousands, point = _separators(language)
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def _minutes_display(minutes: float) -> str:
    if minutes < 90:
        return _("%(n)s min") % {"n": fast_number(round(minutes), 0, True, get_language())}
    if minutes < 48 * 60:
        return _("%(n)s h") % {"n": fast_number(minutes / 60, 1, False, get_language())}
    return _("%(n)s days") % {"n": fast_number(minutes / 1440, 1, False, get_language())}


class Figure(NamedTuple):
    """One number about one campus, with its source and caveat in plain words.

    Immutable, and a named tuple rather than a frozen dataclass: a 200-campus table makes 4,000
    of them, and a frozen dataclass's __init__ took a third of the time spent building it.
    """

    label: str
    value: float | int | str | None
    kind: str = Kind.COUNT
    source: str = ""
    caveat: str = ""
    available: bool = True
    # Shown before the number, e.g. "≤" for an upper bound or "≈" for an interpolated median.
    prefix: str = ""
    # Breakdown behind a TEXT figure (e.g. groups per relationship stage), for exports.
    stages: dict | None = None

    def __str__(self) -> str:
        if not self.available:
            return str(_("not available yet"))
        if self.value is None:
            return "—"
        language = get_language()
        if self.kind == Kind.PERCENT:
            text = f"{fast_number(self.value * 100, 1, False, language)} %"
        elif self.kind == Kind.RATIO:
            text = fast_number(self.value, 1, False, language)
        elif self.kind == Kind.MINUTES:
            text = _minutes_display(self.value)
        elif self.kind == Kind.TEXT:
            text = str(self.value)
        else:
            text = fast_number(self.value, 0, True, language)
        return f"{self.prefix}{text}"

    @property
    def sort_value(self) -> float:
        """For sorting tables: missing figures sort last whichever way."""
        return float(self.value) if isinstance(self.value, int | float) and self.available else float("-inf")


def unavailable(label: str, source: str) -> Figure:
    return Figure(label=label, value=None, available=False, source=source)


def bounds(period: "Period") -> tuple[datetime, datetime]:
    """The period as [first midnight, midnight after the last day) in the current time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.date_from, time.min, tzinfo=tz)
    return start, datetime.combine(period.date_to + timedelta(days=1), time.min, tzinfo=tz)


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=n) for n in range((self.date_to - self.date_from).days + 1)]


@dataclass
class CampusFigures:
    """Every figure for one campus, campaign and period. Iterate with `.all()`."""

    university_id: int
    name: str
    country: str
    latitude: float | None
    longitude: float | None
    enrollment: Figure
    reach_share: Figure
    reach: Figure
    impressions: Figure
    frequency: Figure
    posts: Figure
    comments: Figure
    comments_per_post: Figure
    on_topic_share: Figure
    questions_answered: Figure
    median_reply: Figure
    disclosures: Figure
    new_people: Figure
    active_supporters: Figure
    signatures_confirmed: Figure
    signatures_unconfirmed: Figure
    groups_by_stage: Figure
    letters_sent: Figure
    articles_published: Figure
    ladder: dict[str, int] = field(default_factory=dict)

    def all(self) -> list[tuple[str, Figure]]:
        return [
            (f.name, getattr(self, f.name)) for f in fields(self) if isinstance(getattr(self, f.name), Figure)
        ]
