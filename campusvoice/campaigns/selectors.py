"""Reads for campaigns: lists, one campaign's plan, a campus's facts for templates, the calendar."""

import calendar
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from campusvoice.campaigns.models import Ally, AllyItem, Campaign, ContentItem, ContentTemplate
from campusvoice.campuses.models import IncidentStatistic, SupportResource, University
from campusvoice.campuses.selectors import INCIDENT_CATEGORIES, INCIDENT_LOCATION

# Meta stopped political, electoral and social-issue ads in the EU on 6 October 2025.
EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)


def campaigns_list() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(
        campus_count=Count("universities", distinct=True),
        item_count=Count("content_items", distinct=True),
    ).order_by("-starts_on", "name")


def campaign_get(*, pk: int) -> Campaign:
    return Campaign.objects.prefetch_related("universities").get(pk=pk)


def campaign_templates(*, campaign: Campaign) -> QuerySet[ContentTemplate]:
    return campaign.content_templates.order_by("kind", "language", "name")


def campaign_items(*, campaign: Campaign, status: str = "", university_id: int | None = None):
    items = campaign.content_items.select_related("university", "template", "approved_by", "post")
    if status:
        items = items.filter(status=status)
    if university_id:
        items = items.filter(university_id=university_id)
    return items.order_by("scheduled_at", "university__name", "kind", "pk")


def content_item_get(*, pk: int) -> ContentItem:
    return ContentItem.objects.select_related(
        "campaign", "university", "template", "approved_by", "post"
    ).get(pk=pk)


def campaign_status_counts(*, campaign: Campaign) -> dict[str, int]:
    rows = campaign.content_items.values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def is_eu(university: University) -> bool:
    return (university.country or "").upper() in EU_COUNTRIES


def campus_code(university: University) -> str:
    """The short code used in `ref=` of tracking links: readable, stable, no personal data."""
    if university.short_name:
        return slugify(university.short_name)[:40]
    return university.ipeds_unitid or university.mur_code or f"u{university.pk}"


def _incident_sentence(statistic: IncidentStatistic) -> str:
    count, year, source = statistic.count, statistic.year, statistic.source
    offence = IncidentStatistic.Category(statistic.category).label.lower()
    sentence = ngettext(
        "%(count)s reported incident of %(offence)s on campus in %(year)s",
        "%(count)s reported incidents of %(offence)s on campus in %(year)s",
        count,
    ) % {"count": count, "offence": offence, "year": year}
    return f"{sentence} ({source})" if source else sentence


def _support_line(resource: SupportResource) -> str:
    details = " · ".join(part for part in (resource.phone, resource.website, resource.hours) if part)
    return f"- {resource.name}: {details}" if details else f"- {resource.name}"


def campus_context(*, university: University, campaign: Campaign, language: str, link: str = "") -> dict:
    """The plain data a content template sees for one campus: dicts, lists and strings only.

    A value the directory does not hold is left out, so a template that uses it fails for this
    campus with the variable's name instead of publishing a blank.
    """
    with override(language):
        campus = {"name": university.name}
        if university.short_name:
            campus["short_name"] = university.short_name
        if university.city:
            campus["city"] = university.city
        newspaper = university.newspapers.order_by("pk").first()
        statistics = list(
            university.incident_statistics.filter(
                location=INCIDENT_LOCATION, category__in=INCIDENT_CATEGORIES, count__gt=0
            ).order_by("-year", "category")
        )
        latest = [s for s in statistics if statistics and s.year == statistics[0].year]
        resources = SupportResource.objects.filter(
            Q(university=university) | Q(university__isnull=True, country__iexact=university.country)
        ).order_by("university", "kind", "name")
        context = {
            "campus": campus,
            "newspaper": {"name": newspaper.name} if newspaper else {},
            "campaign": {"name": campaign.name},
            "groups": list(university.groups.order_by("name").values_list("name", flat=True)),
            "incidents": [_incident_sentence(s) for s in latest],
        }
        if latest:
            context["incident"] = _incident_sentence(latest[0])
        lines = [_support_line(r) for r in resources]
        if lines:
            context["support_resources"] = "\n".join(lines)
        if campaign.petition_url:
            context["petition_url"] = campaign.petition_url
        if link:
            context["link"] = link
    return context


def calendar_month(*, campaign: Campaign, year: int, month: int, university_id: int | None = None) -> dict:
    """A month grid (weeks of days, Monday first) with the items scheduled or published each day."""
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    items = campaign_items(campaign=campaign, university_id=university_id).filter(
        Q(scheduled_at__gte=start, scheduled_at__lt=end) | Q(published_at__gte=start, published_at__lt=end)
    )
    by_day = defaultdict(list)
    for item in items:
        when = item.published_at or item.scheduled_at
        by_day[timezone.localtime(when, tz).date()].append(item)
    weeks = [
        [{"date": day, "in_month": day.month == month, "items": by_day.get(day, [])} for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    previous = (start - dt.timedelta(days=1)).date()
    return {
        "weeks": weeks,
        "month": start.date(),
        "previous": previous.replace(day=1),
        "next": end.date(),
        "items": list(items),
    }


def allies_list() -> QuerySet[Ally]:
    return Ally.objects.select_related("group__university", "newspaper__university").prefetch_related(
        Prefetch("items", queryset=AllyItem.objects.order_by("-published_at", "-pk"))
    )


def ally_item_get(*, pk: int) -> AllyItem:
    return AllyItem.objects.select_related("ally").get(pk=pk)


def eu_refusal_message() -> str:
    return _(
        "Meta does not run social-issue ads in the EU since October 2025: publish as an organic post "
        "or use the export."
    )
