"""The dashboard (`/`), a page per campus, comparison, exports and the impact report.

Every page shows aggregates only: no names, no e-mail addresses, no comment text, so analysts
see the same pages as everyone else. Quotes in the impact report are the one exception and are
shown only to members who may manage outreach (the people who chose them): comments quoted in
letters and story excerpts a moderator approved with the writer's consent.
"""

from html import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campusvoice.accounts.access import can, requires
from campusvoice.analytics import charts, exports, report, selectors, sources
from campusvoice.analytics.figures import Period, fast_number
from campusvoice.analytics.forms import FilterForm
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import University


def _filters(request: HttpRequest):
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    campaign = data.get("campaign")
    if campaign is None and not form.is_bound:
        campaign = selectors.campaign_first_visit()
        if campaign is not None:
            form = FilterForm(initial={"campaign": campaign.slug})
    default = selectors.period_default(campaign=campaign)
    period = Period(data.get("date_from") or default.date_from, data.get("date_to") or default.date_to)
    if period.date_to < period.date_from:
        period = default
    return form, campaign, period, data.get("sort") or "name", bool(data.get("desc"))


TABLE_COLUMNS = (
    "enrollment",
    "reach_share",
    "posts",
    "comments",
    "comments_per_post",
    "on_topic_share",
    "questions_answered",
    "median_reply",
    "signatures_confirmed",
    "active_supporters",
)


def _table_body(rows, link: str) -> SafeString:
    """The all-campus table's rows, built here rather than in the template engine.

    2,400 template variables cost ~90 ms per page, and format_html ~40 ms (each of its 2,400
    escapes goes through Django's lazy-text check); the standard library's html.escape does the
    same escaping in a few. `link` is the campus page's address with "{id}" for the campus id.
    """
    parts = []
    for row in rows:
        uid = str(row.university_id)
        cells = "".join(f'<td class="num">{escape(str(getattr(row, n)))}</td>' for n in TABLE_COLUMNS)
        parts.append(
            f'<tr><td><input type="checkbox" name="campus" value="{uid}" aria-labelledby="cmp-label c-{uid}"></td>'
            f'<th scope="row" id="c-{uid}"><a href="{escape(link.replace("{id}", uid))}">{escape(row.name)}</a></th>'
            f"{cells}</tr>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every value escaped above


def _series_body(series) -> SafeString:
    """The daily series as table rows (181 rows of 5 cells: ~20 ms through the template engine)."""
    language = get_language()
    return mark_safe(  # noqa: S308 - dates and numbers only, formatted here
        "".join(
            f'<tr><th scope="row">{escape(selectors.short_date(p["day"], language))}</th>'
            + "".join(
                f'<td class="num">{fast_number(p[n], 0, True, language)}</td>'
                for n in ("posts", "comments", "new_people", "signatures_confirmed")
            )
            + "</tr>"
            for p in series
        )
    )


def _sorted(rows, sort: str, desc: bool):
    if sort == "name":
        return sorted(rows, key=lambda r: r.name.lower(), reverse=desc)
    return sorted(rows, key=lambda r: getattr(r, sort).sort_value, reverse=desc)


def _query(campaign, period) -> dict:
    return {
        "campaign": campaign.slug if campaign else "",
        "date_from": period.date_from.isoformat(),
        "date_to": period.date_to.isoformat(),
    }


def _share_chart(rows, title):
    return charts.bar_chart(
        title=title,
        desc=_("Share of each campus's students reached by its ad set; an upper-bound estimate."),
        items=[(r.name, r.reach_share.value) for r in rows],
        percent=True,
    )


@requires("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    form, campaign, period, sort, desc = _filters(request)
    rows = _sorted(selectors.campus_table_cached(campaign=campaign, period=period), sort, desc)
    # Not cached: two queries on DailyTotals (a row per day) cost less than a database cache
    # write, and they read the same summary generation as the table.
    series = selectors.daily_series(university_id=None, campaign=campaign, period=period)
    steps = selectors.funnel(rows=rows)
    context = {
        "form": form,
        "campaign": campaign,
        "period": period,
        "rows": rows,
        "sort": sort,
        "desc": desc,
        "query": _query(campaign, period),
        "share_chart": _share_chart(rows, _("Share of students reached, by campus")) if rows else "",
        "series": series,
        "series_body": _series_body(series),
        "series_chart": charts.time_series(
            title=_("Comments per day"),
            desc=_("Comments from the public on posts targeting these campuses, per day."),
            points=[(p["day"], p["comments"]) for p in series],
        ),
        "funnel": steps,
        "funnel_chart": charts.funnel(
            title=_("Engagement funnel"),
            desc=_("Reached, commented, supporter, signed, active: people at each step."),
            steps=steps,
        ),
        "map_charts": report.map_charts(rows),
        "unmapped": report.unmapped_count(rows),
        "table_body": _table_body(
            rows,
            reverse("analytics:campus-detail", args=[0]).replace("/0/", "/{id}/")
            + "?"
            + urlencode(_query(campaign, period)),
        ),
    }
    return render(request, "analytics/dashboard.html", context)


@requires("dashboard.view")
def campus_detail(request: HttpRequest, pk: int) -> HttpResponse:
    university = get_object_or_404(University, pk=pk)
    form, campaign, period, _sort, _desc = _filters(request)
    figures = selectors.campus_figures(university=university, campaign=campaign, period=period)
    series = selectors.daily_series(university_id=university.pk, campaign=campaign, period=period)
    steps = selectors.funnel(rows=[figures])
    context = {
        "form": form,
        "campaign": campaign,
        "period": period,
        "university": university,
        "figures": figures,
        "query": _query(campaign, period),
        "series": series,
        "series_chart": charts.time_series(
            title=_("Comments per day at %(campus)s") % {"campus": figures.name},
            desc=_("Comments from the public on posts targeting this campus, per day."),
            points=[(p["day"], p["comments"]) for p in series],
        ),
        "funnel": steps,
        "funnel_chart": charts.funnel(
            title=_("Engagement funnel at %(campus)s") % {"campus": figures.name},
            desc=_("Reached, commented, supporter, signed, active: people at each step."),
            steps=steps,
        ),
        "themes": sources.themes_for_campus(campaign=campaign, university_id=university.pk),
    }
    return render(request, "analytics/campus_detail.html", context)


@requires("dashboard.view")
def compare(request: HttpRequest) -> HttpResponse:
    form, campaign, period, _sort, _desc = _filters(request)
    chosen = [int(v) for v in request.GET.getlist("campus") if v.isdigit()][:12]
    rows = selectors.campus_table(campaign=campaign, period=period, university_ids=chosen) if chosen else []
    all_rows = selectors.target_universities(campaign=campaign).values("pk", "name", "short_name")
    charts_by_figure = []
    for name in ("reach_share", "comments_per_post", "on_topic_share", "questions_answered"):
        if rows:
            label = getattr(rows[0], name).label
            charts_by_figure.append(
                (
                    label,
                    charts.bar_chart(
                        title=label,
                        desc=_("%(figure)s for the campuses chosen.") % {"figure": label},
                        items=[(r.name, getattr(r, name).value) for r in rows],
                        percent=getattr(rows[0], name).kind == "percent",
                    ),
                )
            )
    context = {
        "form": form,
        "campaign": campaign,
        "period": period,
        "rows": rows,
        "chosen": chosen,
        "choices": all_rows,
        "charts": charts_by_figure,
        "query": _query(campaign, period),
    }
    return render(request, "analytics/compare.html", context)


@requires("dashboard.view")
def table_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, campaign, period, sort, desc = _filters(request)
    rows = _sorted(selectors.campus_table_cached(campaign=campaign, period=period), sort, desc)
    name = f"campuses-{campaign.slug if campaign else 'all'}-{period.date_from}-{period.date_to}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.table_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.table_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _report_args(request: HttpRequest, slug: str):
    campaign = get_object_or_404(Campaign, slug=slug)
    _form, _campaign, period, _sort, _desc = _filters(request)
    if "date_from" not in request.GET:
        period = selectors.period_default(campaign=campaign)
    return campaign, period


@requires("reports.view")
def impact_report(request: HttpRequest, slug: str) -> HttpResponse:
    campaign, period = _report_args(request, slug)
    html = report.impact_report_html(
        campaign=campaign,
        period=period,
        language=get_language(),
        with_quotes=can(request.user, "outreach.manage"),
    )
    return HttpResponse(html)


@requires("reports.view")
def impact_report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    campaign, period = _report_args(request, slug)
    language = get_language()
    html = report.impact_report_html(
        campaign=campaign, period=period, language=language, with_quotes=can(request.user, "outreach.manage")
    )
    response = HttpResponse(report.pdf_from_html(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="impact-{campaign.slug}-{language}.pdf"'
    return response
