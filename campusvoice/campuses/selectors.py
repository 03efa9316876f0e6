"""Reads for the campus directory: the list with its filters, one campus, shortlists, imports.

Reported incidents are always counted the same way (see `INCIDENT_CATEGORIES`,
`incident_years_window` and `universities_with_figures`), so the list, the detail page and the
priority ranking show the same number for the same campus.
"""

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from campusvoice.campuses.models import (
    CampusGroup,
    Contact,
    ImportRun,
    IncidentStatistic,
    Shortlist,
    ShortlistEntry,
    StudentNewspaper,
    SupportResource,
    University,
)

Category = IncidentStatistic.Category

# Every Clery offence we hold counts: the sex offences (rape, fondling, incest, statutory rape)
# and the VAWA offences (domestic violence, dating violence, stalking). All are forms of the
# sexual and intimate-partner violence the campaigns are about.
INCIDENT_CATEGORIES: tuple[str, ...] = (
    Category.RAPE,
    Category.FONDLING,
    Category.INCEST,
    Category.STATUTORY_RAPE,
    Category.DOMESTIC_VIOLENCE,
    Category.DATING_VIOLENCE,
    Category.STALKING,
)

# Clery's "on campus" figures already include on-campus student housing; adding the
# residence-hall rows would count those incidents twice.
INCIDENT_LOCATION = IncidentStatistic.Location.ON_CAMPUS

INCIDENT_WINDOW_YEARS = 3


@dataclass(frozen=True)
class SizeBand:
    key: str
    label: str
    minimum: int
    maximum: int | None  # inclusive; None = no upper bound
    # MUR publishes a band instead of a head count; these are its labels for the same range.
    mur_labels: tuple[str, ...]
    # Used by the priority score when a campus has only a band: the middle of the range.
    estimate: int


# Aligned with MUR's "Ateneo_dimensione" bands so Italian campuses, which have no head count,
# fall into the same bands as American ones.
SIZE_BANDS: tuple[SizeBand, ...] = (
    SizeBand("under-10k", _("Under 10,000"), 0, 9_999, ("inferiore a 10.000",), 5_000),
    SizeBand("10k-20k", _("10,000 to 19,999"), 10_000, 19_999, ("da 10.000 a 19.999",), 15_000),
    SizeBand("20k-30k", _("20,000 to 29,999"), 20_000, 29_999, ("da 20.000 a 29.999",), 25_000),
    SizeBand("30k-60k", _("30,000 to 59,999"), 30_000, 59_999, ("da 30.000 a 59.999",), 45_000),
    SizeBand("60k-plus", _("60,000 or more"), 60_000, None, ("60.000 e oltre",), 60_000),
)
SIZE_BANDS_BY_KEY = {band.key: band for band in SIZE_BANDS}


def size_band_for_label(label: str) -> SizeBand | None:
    """The band a stored `enrollment_band` text names (MUR's Italian label or our own key)."""
    text = " ".join(label.lower().split())
    for band in SIZE_BANDS:
        if text == band.key or text in band.mur_labels:
            return band
    return None


SORTS = {
    "name": ("name", "pk"),
    "-enrollment": (F("enrollment_total").desc(nulls_last=True), "name", "pk"),
    "enrollment": (F("enrollment_total").asc(nulls_last=True), "name", "pk"),
    "-incidents_per_10k": (F("incidents_per_10k").desc(nulls_last=True), "name", "pk"),
    "incidents_per_10k": (F("incidents_per_10k").asc(nulls_last=True), "name", "pk"),
}


def incident_years_window() -> list[int]:
    """The last three years for which the directory holds any incident figures, newest first.

    One window for every campus, so rates are compared over the same years.
    """
    years = IncidentStatistic.objects.order_by("-year").values_list("year", flat=True).distinct()
    return list(years[:INCIDENT_WINDOW_YEARS])


def _per_university(queryset: QuerySet, aggregate) -> Subquery:
    # A correlated subquery per figure: joining groups, contacts and statistics in one query
    # would multiply the rows and inflate every sum.
    return Subquery(
        queryset.filter(university=OuterRef("pk"))
        .order_by()
        .values("university")
        .annotate(total=aggregate)
        .values("total")[:1],
        output_field=IntegerField(),
    )


def universities_with_figures(*, years: list[int] | None = None) -> QuerySet[University]:
    """Universities annotated with `incidents` (reported in the window, or None without data),
    `incidents_per_10k` (incidents × 10,000 / students enrolled, None without either figure),
    `group_count` and `contact_count`."""
    years = incident_years_window() if years is None else years
    statistics = IncidentStatistic.objects.filter(
        year__in=years, location=INCIDENT_LOCATION, category__in=INCIDENT_CATEGORIES
    )
    return University.objects.annotate(
        incidents=_per_university(statistics, Sum("count")),
        incidents_per_10k=Case(
            When(
                enrollment_total__gt=0,
                incidents__isnull=False,
                then=Cast(F("incidents"), FloatField())
                * Value(10_000.0)
                / Cast(F("enrollment_total"), FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        ),
        group_count=Coalesce(_per_university(CampusGroup.objects.all(), Count("pk")), 0),
        contact_count=Coalesce(_per_university(Contact.objects.all(), Count("pk")), 0),
    )


def university_totals(*, years: list[int] | None = None) -> dict[str, dict[int, int]]:
    """Per-university figures for the whole directory in three grouped queries:
    {"incidents": {pk: reported in the window}, "groups": {pk: n}, "contacts": {pk: n}}.

    The same counts as universities_with_figures, without its correlated subqueries, which
    are slow over thousands of campuses when every row is needed (the priority ranking).
    A university without figures is absent from "incidents".
    """
    years = incident_years_window() if years is None else years
    incidents = (
        IncidentStatistic.objects.filter(
            year__in=years, location=INCIDENT_LOCATION, category__in=INCIDENT_CATEGORIES
        )
        .order_by()
        .values_list("university")
        .annotate(total=Sum("count"))
    )
    groups = CampusGroup.objects.order_by().values_list("university").annotate(total=Count("pk"))
    contacts = Contact.objects.order_by().values_list("university").annotate(total=Count("pk"))
    return {"incidents": dict(incidents), "groups": dict(groups), "contacts": dict(contacts)}


def universities_list(
    *,
    search: str = "",
    country: str = "",
    region: str = "",
    size_band: str = "",
    has_incidents: str = "",
    sort: str = "name",
    years: list[int] | None = None,
) -> QuerySet[University]:
    """The directory, filtered and sorted for the campus list.

    `search` matches name, short name or city; `size_band` is a key of SIZE_BANDS and also
    matches campuses that only have MUR's band; `has_incidents` is "yes" (at least one reported
    incident in the window) or "no" (none reported, or no figures).
    """
    universities = universities_with_figures(years=years)
    if search := search.strip():
        universities = universities.filter(
            Q(name__icontains=search) | Q(short_name__icontains=search) | Q(city__icontains=search)
        )
    if country:
        universities = universities.filter(country__iexact=country)
    if region:
        universities = universities.filter(region__iexact=region)
    if band := SIZE_BANDS_BY_KEY.get(size_band):
        in_range = Q(enrollment_total__gte=band.minimum)
        if band.maximum is not None:
            in_range &= Q(enrollment_total__lte=band.maximum)
        named_band = Q()
        for label in (*band.mur_labels, band.key):
            named_band |= Q(enrollment_band__iexact=label)
        universities = universities.filter(in_range | (Q(enrollment_total__isnull=True) & named_band))
    if has_incidents == "yes":
        universities = universities.filter(incidents__gt=0)
    elif has_incidents == "no":
        universities = universities.filter(Q(incidents__isnull=True) | Q(incidents=0))
    return universities.order_by(*SORTS.get(sort, SORTS["name"]))


def university_countries() -> list[str]:
    """Country codes present in the directory, for the filter."""
    return list(University.objects.order_by("country").values_list("country", flat=True).distinct())


def university_regions(*, country: str = "") -> list[str]:
    """States and regions present in the directory (in one country if given), for the filter."""
    universities = University.objects.exclude(region="")
    if country:
        universities = universities.filter(country__iexact=country)
    return list(universities.order_by("region").values_list("region", flat=True).distinct())


def university_get(*, pk: int) -> University:
    """One campus with its figures, groups, newspapers and campus support resources.

    Contacts are not prefetched: they are personal data and loaded only by
    `university_contacts` for members allowed to see them. Raises University.DoesNotExist.
    """
    return (
        universities_with_figures()
        .prefetch_related(
            "groups",
            "newspapers",
            Prefetch("support_resources", queryset=SupportResource.objects.order_by("kind", "name")),
        )
        .get(pk=pk)
    )


def university_contacts(*, university: University) -> QuerySet[Contact]:
    return university.contacts.select_related("group", "newspaper").order_by("role", "name")


def university_incident_table(*, university: University) -> dict:
    """Reported incidents for one campus, laid out for a table.

    Returns {"years": [newest first], "locations": [(label, [(category label, [count or None
    per year])])], "sources": [distinct sources]}.
    """
    statistics = list(university.incident_statistics.all())
    years = sorted({s.year for s in statistics}, reverse=True)
    counts = {(s.location, s.category, s.year): s.count for s in statistics}
    locations = []
    for location in IncidentStatistic.Location:
        rows = []
        for category in Category:
            row = [counts.get((location.value, category.value, year)) for year in years]
            if any(c is not None for c in row):
                rows.append((category.label, row))
        if rows:
            locations.append((location.label, rows))
    sources = sorted({s.source for s in statistics if s.source})
    return {"years": years, "locations": locations, "sources": sources}


def support_resources_for(*, university: University) -> QuerySet[SupportResource]:
    """National resources for the campus's country (those without a campus)."""
    return SupportResource.objects.filter(country__iexact=university.country, university__isnull=True)


def support_resources_list(*, country: str = "") -> QuerySet[SupportResource]:
    resources = SupportResource.objects.select_related("university")
    if country:
        resources = resources.filter(country__iexact=country)
    return resources.order_by("country", "university__name", "kind", "name")


def shortlists_list() -> QuerySet[Shortlist]:
    return Shortlist.objects.select_related("created_by").annotate(entry_count=Count("entries"))


def shortlist_entries(*, shortlist: Shortlist) -> QuerySet[ShortlistEntry]:
    return shortlist.entries.select_related("university").order_by("position", "pk")


def newspapers_for(*, university: University) -> QuerySet[StudentNewspaper]:
    return university.newspapers.all()


def import_runs_recent(*, limit: int = 20) -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("by").order_by("-started_at", "-pk")[:limit]
