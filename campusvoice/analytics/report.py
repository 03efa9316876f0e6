"""The impact report for funders: goals against results, the campus table, charts, the map,
chosen quotes, themes, coverage, relationships and how every figure was made.

One HTML document serves the page, the CLI and the PDF. The PDF is WeasyPrint's rendering of
it with system fonts only and a URL fetcher that refuses everything: the document is
self-contained (inline CSS and SVG), so any outside reference is a bug, never a download.
"""

from dataclasses import dataclass
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_time
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campusvoice.analytics import charts, geography, selectors, sources
from campusvoice.analytics.figures import CampusFigures, Figure, Period, fast_number

ENGAGED_STAGES = ("replied", "meeting", "partner")


@dataclass
class Goal:
    label: str
    goal: str
    result: str
    met: bool | None
    note: str = ""


@dataclass
class CampusMap:
    country: str  # the country's name in the report's language
    chart: str
    placed: list[tuple[str, Figure]]  # (campus, share of students reached), largest share first


def map_charts(rows: list[CampusFigures]) -> list[CampusMap]:
    """One map per country, largest first: campaigns span continents, a single frame would not."""
    by_country: dict[str, list[CampusFigures]] = {}
    for r in rows:
        by_country.setdefault(r.country or "", []).append(r)
    maps = []
    for code, in_country in sorted(by_country.items(), key=lambda item: (-len(item[1]), item[0])):
        placed = [r for r in in_country if r.latitude is not None and r.longitude is not None]
        if not placed:
            continue
        name = geography.country_name(code)
        chart = charts.campus_map(
            title=_("Target campuses in %(country)s and the share of students reached") % {"country": name},
            desc=_(
                "Each dot is a campus at its coordinates over the country's outline; a larger, darker dot "
                "means a larger share of its students reached. A hollow dot has no reach figure yet."
            ),
            campuses=[(r.name, r.longitude, r.latitude, r.reach_share.value) for r in placed],
            country=code,
        )
        ordered = sorted(
            placed, key=lambda r: (r.reach_share.value is None, -(r.reach_share.value or 0), r.name)
        )
        maps.append(CampusMap(name, chart, [(r.name, r.reach_share) for r in ordered]))
    return maps


def unmapped_count(rows: list[CampusFigures]) -> int:
    """Campuses left off the maps for want of coordinates."""
    return sum(1 for r in rows if r.latitude is None or r.longitude is None)


def _goals(campaign, rows: list[CampusFigures]) -> list[Goal]:
    from django.utils.formats import number_format

    goals = []
    if campaign.goal_reach_share is not None:
        target = float(campaign.goal_reach_share) / 100
        known = [r for r in rows if r.reach_share.value is not None]
        met = [r for r in known if r.reach_share.value >= target]
        goals.append(
            Goal(
                _("Share of students reached, per campus"),
                f"{number_format(float(campaign.goal_reach_share), 1)} %",
                _("%(met)s of %(known)s campuses with a figure") % {"met": len(met), "known": len(known)},
                bool(known) and len(met) == len(known),
                _("Reach is never added across campuses, so the goal is checked campus by campus."),
            )
        )
    comments = sum(r.comments.value or 0 for r in rows)
    posts = sum(r.posts.value or 0 for r in rows)
    if campaign.goal_comments_per_post is not None:
        rate = comments / posts if posts else None
        goals.append(
            Goal(
                _("Comments per post"),
                number_format(campaign.goal_comments_per_post, 0),
                fast_number(rate, 1, False, get_language()) if rate is not None else "—",
                rate is not None and rate >= campaign.goal_comments_per_post,
            )
        )
    if campaign.goal_signatures is not None:
        signed = sum(r.signatures_confirmed.value or 0 for r in rows)
        goals.append(
            Goal(
                _("Confirmed signatures"),
                number_format(campaign.goal_signatures, 0, force_grouping=True),
                number_format(signed, 0, force_grouping=True),
                signed >= campaign.goal_signatures,
                _("Signatures attributed to a target campus."),
            )
        )
    if campaign.goal_groups_engaged is not None:
        available = rows and all(r.groups_by_stage.available for r in rows)
        engaged = (
            sum(sum((r.groups_by_stage.stages or {}).get(s, 0) for s in ENGAGED_STAGES) for r in rows)
            if available
            else None
        )
        goals.append(
            Goal(
                _("Campus groups engaged"),
                number_format(campaign.goal_groups_engaged, 0),
                number_format(engaged, 0) if engaged is not None else _("not available yet"),
                None if engaged is None else engaged >= campaign.goal_groups_engaged,
                _("Groups whose relationship reached replied, meeting or partner."),
            )
        )
    return goals


def _stage_columns(rows) -> list[tuple[str, str]]:
    try:
        from campusvoice.outreach.models import Stage
    except ImportError:
        return []
    return [(stage, str(label)) for stage, label in Stage.choices]


def _methods(sample: CampusFigures) -> list[tuple[str, str, str]]:
    """(label, source, caveat) per figure, in general words rather than one campus's details."""
    general = {
        "enrollment": _("The public enrolment figure recorded for each campus, with its source and year."),
        "reach_share": _(
            "Reach of the campus's own ad set over the date range closest to the period (Meta's report) "
            "÷ students enrolled."
        ),
        "reach": _("Reach of the campus's ad set over that range; organic post reach when no ad ran."),
        "impressions": _("Impressions of the campus's ad set over that range."),
        "frequency": _("Impressions ÷ reach, as Meta reports it for the ad set."),
        "questions_answered": _("Question-flagged comments with a first reply ÷ question-flagged comments."),
    }
    return [(f.label, general.get(key, f.source), f.caveat) for key, f in sample.all()]


def long_date(value: date) -> str:
    """A date written out in the current language's way, from CLDR: "28 novembre 2026".

    Not Django's DATE_FORMAT: its Italian month and weekday names are capitalised ("Sabato 28
    Novembre"), which Italian does not do; CLDR's patterns and names are each language's own.
    """
    return format_date(value, "long", locale=_locale())


def long_datetime(value: datetime) -> str:
    """A moment with its weekday and time: "sabato 28 novembre 2026, 10:05"."""
    locale = _locale()
    when = format_time(value, "short", tzinfo=value.tzinfo, locale=locale)
    return locale.datetime_formats["medium"].format(when, format_date(value, "full", locale=locale))


def _locale() -> Locale:
    return Locale.parse(get_language() or "en", sep="-")


def impact_report_context(*, campaign, period: Period, with_quotes: bool) -> dict:
    rows = selectors.campus_table(campaign=campaign, period=period)
    series = selectors.daily_series(university_id=None, campaign=campaign, period=period)
    steps = selectors.funnel(rows=rows)
    quotes = sources.quotes_for(campaign=campaign) if with_quotes else None
    methods = _methods(rows[0]) if rows else []
    return {
        "campaign": campaign,
        "period": period,
        "generated": long_datetime(timezone.localtime()),
        "period_text": (long_date(period.date_from), long_date(period.date_to)),
        "rows": rows,
        "goals": _goals(campaign, rows),
        "share_chart": charts.bar_chart(
            title=_("Share of students reached, by campus"),
            desc=_("Share of each campus's students reached by its ad set; an upper-bound estimate."),
            items=[(r.name, r.reach_share.value) for r in rows],
            percent=True,
        )
        if rows
        else "",
        "series": series,
        "comments_total": sum(p["comments"] for p in series),
        "series_chart": charts.time_series(
            title=_("Comments per day"),
            desc=_("Comments from the public on the campaign's posts, per day."),
            points=[(p["day"], p["comments"]) for p in series],
        ),
        "funnel": steps,
        "funnel_chart": charts.funnel(
            title=_("Engagement funnel"),
            desc=_("Reached, commented, supporter, signed, active: people at each step."),
            steps=steps,
        ),
        "map_charts": map_charts(rows),
        "unmapped": unmapped_count(rows),
        "stage_columns": _stage_columns(rows),
        "outreach_rows": [
            (
                r.name,
                [(r.groups_by_stage.stages or {}).get(stage, 0) for stage, _label in _stage_columns(rows)],
                r,
            )
            for r in rows
        ],
        "with_quotes": with_quotes,
        "quotes": quotes,
        "themes": sources.themes_for(campaign=campaign),
        "methods": methods,
        "outreach_available": bool(rows) and rows[0].letters_sent.available,
    }


def impact_report_html(*, campaign, period: Period, language: str, with_quotes: bool = False) -> str:
    """The whole report as one self-contained HTML document, in `language`."""
    with translation.override(language):
        context = impact_report_context(campaign=campaign, period=period, with_quotes=with_quotes)
        context["language"] = language
        return render_to_string("analytics/report.html", context)


def pdf_document(html: str):
    """WeasyPrint's laid-out document: `.pages` to count them, `.write_pdf()` for the bytes."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetchingError

    class RefuseAll(URLFetcher):
        # Nothing is fetched: not the network, not the disk. The report carries all it shows.
        def fetch(self, url, headers=None):
            raise URLFetchingError(f"impact report: refusing to fetch {url[:80]}")

    return HTML(string=html, base_url="about:blank", url_fetcher=RefuseAll()).render()


def pdf_from_html(html: str) -> bytes:
    return pdf_document(html).write_pdf()
