"""Figures that other apps own, read through their selectors when those apps are there.

Outreach (relationships, letters, articles) is being built alongside this app; it is read
through `outreach.selectors` (relationships_board, letters_for_campaign, coverage_for). When the
app or a selector is missing, or a selector no longer fits, each figure says "not available yet"
rather than a number we made up. Themes come from the campaigns app's themes service
(`campaigns.services.themes`, read-only functions: the answers it may cluster and the clustering).

Quotes: the organisers' selection of comments is the set quoted in outreach letters
(`Letter.quoted_comments`), kept only while each is still quotable; the petitions app's stories
give their moderator-approved, redacted excerpts when the writer consented to be quoted. Analytics
stores no selection itself.
"""

import logging
import re
from itertools import zip_longest

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from campusvoice.analytics.figures import Figure, Kind, bounds, unavailable

logger = logging.getLogger(__name__)

STAGES = ("identified", "contacted", "replied", "meeting", "partner")
# An @mention names someone: quoted comments keep the "@" and lose the handle.
MENTION = re.compile(r"@[\w.]+")


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
    return outreach_figures_from(outreach_counts(university_ids=ids, campaign=campaign, period=period), ids)


def outreach_counts(*, university_ids, campaign, period):
    """The counts behind outreach_figures as plain values (the dashboard caches them with its
    table), or None when the outreach app cannot give them."""
    try:
        # A savepoint, so a missing table (app without migrations yet) leaves the transaction usable.
        with transaction.atomic():
            return _outreach_counts(university_ids=list(university_ids), campaign=campaign, period=period)
    except (ImportError, AttributeError, FieldError, TypeError, DatabaseError):
        # The outreach app is still being built: a changed selector must not break the dashboard.
        logger.warning("outreach figures unavailable", exc_info=True)
        return None


def outreach_figures_from(counts, university_ids) -> dict[int, dict[str, Figure]]:
    """outreach_figures from what outreach_counts returned, in the current language."""
    ids = list(university_ids)
    if counts is None:
        missing = _outreach_unavailable()  # Figures are immutable: one set serves every campus
        return dict.fromkeys(ids, missing)
    stages_by_campus, letters, articles, stages_in_order = counts
    from campusvoice.outreach.models import Stage

    # Translated once per table, not once per campus.
    labels = dict(Stage.choices)
    stage_labels = [(stage, str(labels.get(stage, stage))) for stage in stages_in_order]
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
    return stages, letters, articles, [stage for stage, _label in Stage.choices]


def quotes_for(*, campaign, limit: int = 6) -> list[dict] | None:
    """Quotes for the impact report: story excerpts their writers agreed to share, and comments
    organisers chose for letters. Text, campus and (only where the writer asked) a name.

    Stories: approved by a moderator, with the redacted excerpt (never the story itself) and the
    writer's consent to be quoted anonymously or with their name; a withdrawn story never comes
    back. Comments: quoted in one of the campaign's letters, and still on topic, reviewed, not a
    disclosure, hostile, spam, hidden or deleted, checked again now (a comment labelled a
    disclosure after the letter drops out). No author of a comment, ever. Stories and comments
    alternate, stories first. None when neither source is there (the report then says so).
    """
    if campaign is None:
        return None
    stories = _story_quotes(campaign=campaign, limit=limit)
    comments = _comment_quotes(campaign=campaign, limit=limit)
    if stories is None and comments is None:
        return None
    stories, comments = stories or [], comments or []
    mixed = [q for pair in zip_longest(stories, comments) for q in pair if q is not None]
    return mixed[:limit]


def _max_chars() -> int:
    try:
        from campusvoice.outreach.selectors import QUOTE_MAX_CHARS
    except ImportError:
        return 280
    return QUOTE_MAX_CHARS


def _story_quotes(*, campaign, limit: int) -> list[dict] | None:
    if not apps.is_installed("campusvoice.petitions"):
        return None
    from campusvoice.petitions.models import Story

    stories = (
        Story.objects.filter(campaign=campaign, status=Story.Status.APPROVED, withdrawn_at__isnull=True)
        .filter(Q(consent_quote_anonymously=True) | Q(consent_publish_named=True))
        .exclude(excerpt="")
        .order_by("-reviewed_at", "-pk")
        .values(
            "excerpt", "consent_publish_named", "display_name", "university__name", "university__short_name"
        )
    )[:limit]
    max_chars = _max_chars()
    return [
        {
            "text": row["excerpt"].strip()[:max_chars],
            "campus": row["university__short_name"] or row["university__name"] or "",
            "name": row["display_name"] if row["consent_publish_named"] else "",
            "kind": "story",
        }
        for row in stories
    ]


def _comment_quotes(*, campaign, limit: int) -> list[dict] | None:
    if not apps.is_installed("campusvoice.outreach"):
        return None
    try:
        from campusvoice.outreach import selectors
    except ImportError:
        return None

    letters = selectors.letters_for_campaign(campaign=campaign).order_by().values("pk")
    try:
        with transaction.atomic():
            return _quotes(campaign, letters, limit, _max_chars())
    except (FieldError, DatabaseError):
        logger.warning("quotes unavailable", exc_info=True)
        return None


def _quotes(campaign, letters, limit, max_chars):
    from campusvoice.conversations.models import Comment, Post

    # The same rules as outreach.selectors.quotable_comments, re-checked today.
    quoted = list(
        Comment.objects.filter(
            pk__in=_letter_quoted_ids(letters),
            post__campaign=campaign,
            status=Comment.Status.DONE,
            on_topic=True,
            disclosure=False,
            hostile=False,
            spam=False,
            is_hidden=False,
            is_from_page=False,
            is_placeholder=False,
            deleted_at__isnull=True,
        )
        .exclude(text="")
        .order_by("-like_count", "-created_time", "pk")
        .values("pk", "text", "post_id")[:limit]
    )
    campuses: dict[int, str] = {}
    # One campus per post (the first it targets), looked up once rather than joined per row.
    for row in (
        Post.universities.through.objects.filter(post_id__in={q["post_id"] for q in quoted})
        .order_by("pk")
        .values("post_id", "university__name", "university__short_name")
    ):
        campuses.setdefault(row["post_id"], row["university__short_name"] or row["university__name"])
    return [
        {
            "text": MENTION.sub("@…", row["text"].strip())[:max_chars],
            "campus": campuses.get(row["post_id"], ""),
            "name": "",
            "kind": "comment",
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
