"""Figures that other apps own, read through their selectors when those apps are there.

Outreach (relationships, letters, articles) is being built alongside this app; it is read
through `outreach.selectors` (relationships_board, letters_for_campaign, coverage_for). When the
app or a selector is missing, or a selector no longer fits, each figure says "not available yet"
rather than a number we made up. Themes come from the campaigns app's themes service
(`campaigns.services.themes`, read-only functions: the answers it may cluster and the clustering).

Quotes: the only organiser selection of comments that exists is the set quoted in outreach
letters (`Letter.quoted_comments`). The impact report reads those, and keeps only on-topic,
non-disclosure, non-hostile, visible comments, text only. Analytics stores no selection itself.
"""

import logging

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from campusvoice.analytics.figures import Figure, Kind, bounds, unavailable

logger = logging.getLogger(__name__)

STAGES = ("identified", "contacted", "replied", "meeting", "partner")


def _outreach_unavailable() -> dict[str, Figure]:
    why = _("The outreach app is not available yet.")
    return {
        "groups_by_stage": unavailable(_("Groups by relationship stage"), why),
        "letters_sent": unavailable(_("Letters sent"), why),
        "articles_published": unavailable(_("Articles published"), why),
    }


def outreach_figures(*, university_ids, campaign, period) -> dict[int, dict[str, Figure]]:
    """Per campus: groups by relationship stage, letters sent and articles published in the period."""
    ids = list(university_ids)
    try:
        # A savepoint, so a missing table (app without migrations yet) leaves the transaction usable.
        with transaction.atomic():
            counts = _outreach_counts(university_ids=ids, campaign=campaign, period=period)
    except (ImportError, AttributeError, FieldError, TypeError, DatabaseError):
        # The outreach app is still being built: a changed selector must not break the dashboard.
        logger.warning("outreach figures unavailable", exc_info=True)
        counts = None
    if counts is None:
        missing = _outreach_unavailable()  # Figures are immutable: one set serves every campus
        return dict.fromkeys(ids, missing)
    stages_by_campus, letters, articles, stage_labels = counts
    # Translated once per table, not once per campus.
    stage_labels = [(stage, str(label)) for stage, label in stage_labels]
    texts = {
        "groups": _("Groups by relationship stage"),
        "groups_source": _("Outreach relationships with campus groups, by their stage today."),
        "letters": _("Letters sent"),
        "letters_source": _("Outreach letters with a delivery (PDF, Word or e-mail) in the period."),
        "articles": _("Articles published"),
        "articles_source": _("Student-press articles confirmed as coverage, published in the period."),
    }
    result = {}
    for uid in ids:
        stages = stages_by_campus.get(uid, {})
        result[uid] = {
            "groups_by_stage": Figure(
                texts["groups"],
                " · ".join(f"{label} {stages.get(stage, 0)}" for stage, label in stage_labels),
                Kind.TEXT,
                texts["groups_source"],
                stages=stages,
            ),
            "letters_sent": Figure(texts["letters"], letters.get(uid, 0), source=texts["letters_source"]),
            "articles_published": Figure(
                texts["articles"], articles.get(uid, 0), source=texts["articles_source"]
            ),
        }
    return result


def _outreach_counts(*, university_ids, campaign, period):
    if campaign is None or not apps.is_installed("campusvoice.outreach"):
        return None
    from campusvoice.outreach import selectors
    from campusvoice.outreach.models import Stage

    start, stop = bounds(period)
    stages: dict[int, dict[str, int]] = {}
    for row in (
        selectors.relationships_board(campaign=campaign)
        .filter(university_id__in=university_ids, group__isnull=False)
        .order_by()
        .values("university_id", "stage")
        .annotate(n=Count("id"))
    ):
        stages.setdefault(row["university_id"], {})[row["stage"]] = row["n"]
    letters = {
        row["university_id"]: row["n"]
        for row in selectors.letters_for_campaign(campaign=campaign)
        .filter(university_id__in=university_ids, deliveries__at__gte=start, deliveries__at__lt=stop)
        .order_by()
        .values("university_id")
        .annotate(n=Count("id", distinct=True))
    }
    articles = {
        row["university_id"]: row["n"]
        for row in selectors.coverage_for(campaign=campaign)
        .filter(university_id__in=university_ids, published_at__gte=start, published_at__lt=stop)
        .order_by()
        .values("university_id")
        .annotate(n=Count("id"))
    }
    return stages, letters, articles, list(Stage.choices)


def quotes_for(*, campaign, limit: int = 6) -> list[dict] | None:
    """Comments organisers chose to quote in letters: on topic, no disclosure, not hostile, text only.

    None when the outreach app is not there (the report then says so). No author, ever.
    """
    if campaign is None or not apps.is_installed("campusvoice.outreach"):
        return None
    try:
        from campusvoice.outreach import selectors
        from campusvoice.outreach.selectors import QUOTE_MAX_CHARS
    except ImportError:
        return None

    letters = selectors.letters_for_campaign(campaign=campaign).order_by().values("pk")
    try:
        with transaction.atomic():
            return _quotes(letters, limit, QUOTE_MAX_CHARS)
    except (FieldError, DatabaseError):
        logger.warning("quotes unavailable", exc_info=True)
        return None


def _quotes(letters, limit, max_chars):
    from campusvoice.conversations.models import Comment

    quoted = (
        Comment.objects.filter(
            pk__in=_letter_quoted_ids(letters),
            on_topic=True,
            disclosure=False,
            hostile=False,
            spam=False,
            is_hidden=False,
            deleted_at__isnull=True,
        )
        .exclude(text="")
        .order_by("-like_count", "-created_time")
        .values("text", "post__universities__name", "post__universities__short_name")[:limit]
    )
    return [
        {
            "text": row["text"][:max_chars],
            "campus": row["post__universities__short_name"] or row["post__universities__name"] or "",
        }
        for row in quoted
    ]


def _letter_quoted_ids(letters):
    from campusvoice.outreach.models import Letter

    return Letter.quoted_comments.through.objects.filter(letter__in=letters).values("comment_id")


def themes_for_campus(*, campaign, university_id: int) -> list[tuple[str, int]] | None:
    """Themes of the answers to the campaign's question posts at one campus: (label, answers).

    Read through the campaigns app's themes service, which never clusters disclosures, hostile,
    hidden, spam or deleted comments. Labels and counts only: no comment text, no author. None
    without a campaign (themes belong to a campaign's questions).
    """
    if campaign is None:
        return None
    from campusvoice.campaigns.services import themes

    texts = themes.answers_for(campaign=campaign, university_id=university_id)
    return [(theme.label, theme.count) for theme in themes.themes_cluster(texts=texts)]


def themes_for(*, campaign) -> list[tuple[str, int]] | None:
    """Themes of the answers to the campaign's question posts at all its campuses together.

    An answer on a post aimed at several campuses is clustered once. Labels and counts only.
    """
    if campaign is None:
        return None
    from campusvoice.campaigns.services import themes

    texts: dict[str, None] = {}
    for university_id in campaign.universities.order_by("pk").values_list("pk", flat=True):
        texts.update(dict.fromkeys(themes.answers_for(campaign=campaign, university_id=university_id)))
    return [(theme.label, theme.count) for theme in themes.themes_cluster(texts=list(texts))]
