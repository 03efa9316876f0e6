"""Reads for outreach: what a letter may say, the board, the review queue, coverage."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from campusvoice.accounts.models import Organisation
from campusvoice.campaigns.models import Campaign, ReachSnapshot
from campusvoice.campuses.models import IncidentStatistic, University
from campusvoice.conversations.models import Comment
from campusvoice.outreach import rendering
from campusvoice.outreach.models import (
    CLOSED_STAGES,
    Article,
    Letter,
    LetterTemplate,
    Relationship,
    Stage,
    WatchedSource,
)
from campusvoice.petitions.models import Petition, Signature

QUOTE_MAX_CHARS = 280


def letter_templates() -> QuerySet[LetterTemplate]:
    return LetterTemplate.objects.all()


def letters_for_campaign(*, campaign: Campaign) -> QuerySet[Letter]:
    return Letter.objects.filter(campaign=campaign).select_related("university", "template")


def quotable_comments(*, campaign: Campaign, university: University) -> QuerySet[Comment]:
    """Comments a letter may quote: on topic, on this campaign's posts for this campus.

    Only comments a moderator has already reviewed and closed (status "done"), so organisers,
    who cannot read the inbox, never see a comment no moderator has looked at. Never a
    disclosure, hostile or spam, and nothing hidden, deleted or written by our own page. Letters
    re-check this when they render, so a comment flagged as a disclosure later drops out.
    """
    return (
        Comment.objects.filter(
            post__campaign=campaign,
            post__universities=university,
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
        .distinct()
        .order_by("-like_count", "-created_time")
    )


def on_topic_comment_count(*, campaign: Campaign, university: University) -> int:
    """On-topic comments on the campaign's posts for this campus (disclosures included: a count names no one)."""
    return (
        Comment.objects.filter(
            post__campaign=campaign, post__universities=university, on_topic=True, deleted_at__isnull=True
        )
        .values("pk")
        .distinct()
        .count()
    )


def student_themes(*, campaign: Campaign, university: University) -> list[str]:
    """Labels of the themes students raised in answers to the campaign's questions at this campus.

    Uses the campaigns app's clustering (campaigns/services/themes.py: disclosures are never
    clustered, and a label is a few common words, never a comment's text). Without that module
    (an older campaigns app) there are no themes and {{ students.themes }} is an empty list.
    """
    try:
        from campusvoice.campaigns.services.themes import answers_for, themes_cluster
    except ImportError:
        return []

    texts = answers_for(campaign=campaign, university_id=university.pk)
    if not texts:
        return []
    return [theme.label for theme in themes_cluster(texts=texts)]


def confirmed_signatures(*, campaign: Campaign, university: University) -> int:
    return (
        Signature.objects.filter(petition__campaign=campaign, status=Signature.Status.CONFIRMED)
        .filter(Q(university=university) | Q(version__university=university))
        .count()
    )


def latest_reach(*, campaign: Campaign, university: University) -> ReachSnapshot | None:
    """The newest reach figure for this campus in this campaign (reach is never added across rows)."""
    return (
        ReachSnapshot.objects.filter(campaign=campaign, university=university, reach__isnull=False)
        .order_by("-date_stop", "-date_start", "-fetched_at")
        .first()
    )


def _incidents(university: University) -> dict | None:
    # On campus only: residence-hall figures are a subset of on-campus ones (Clery), never added.
    rows = list(
        university.incident_statistics.filter(location=IncidentStatistic.Location.ON_CAMPUS).order_by("-year")
    )
    if not rows:
        return None
    year = rows[0].year
    latest = [r for r in rows if r.year == year]
    sources = sorted({r.source for r in latest if r.source})
    incidents = {
        "total": rendering.Count(sum(r.count for r in latest)),
        "year": year,
        "rows": [
            {"offence": str(IncidentStatistic.Category(r.category).label), "count": rendering.Count(r.count)}
            for r in latest
        ],
    }
    if sources:
        incidents["source"] = "; ".join(sources)
    return incidents


def letter_context(*, letter: Letter, organisation: Organisation) -> tuple[dict, dict]:
    """What a letter's template sees, and the figures to record with each delivery.

    A fact the directory does not hold is left out (not blanked), so a template that uses it
    fails for this recipient, naming the variable, instead of printing an empty sentence.
    """
    campus_row, campaign_row = letter.university, letter.campaign
    campus: dict = {"name": campus_row.name}
    if campus_row.city:
        campus["city"] = campus_row.city
    if campus_row.enrollment_total:
        enrollment = {"total": rendering.Count(campus_row.enrollment_total)}
        if campus_row.enrollment_year:
            enrollment["year"] = campus_row.enrollment_year
        if campus_row.enrollment_source:
            enrollment["source"] = campus_row.enrollment_source
        campus["enrollment"] = enrollment
    incidents = _incidents(campus_row)
    if incidents:
        campus["incidents"] = incidents

    campaign: dict = {"name": campaign_row.name}
    if campaign_row.starts_on:
        campaign["starts_on"] = campaign_row.starts_on
    if campaign_row.ends_on:
        campaign["ends_on"] = campaign_row.ends_on

    # An unsaved letter (a preview) quotes nothing yet.
    quoted_ids = sorted(letter.quoted_comments.values_list("pk", flat=True)) if letter.pk else []
    quotes = [
        comment.text.strip()[:QUOTE_MAX_CHARS]
        for comment in quotable_comments(campaign=campaign_row, university=campus_row).filter(
            pk__in=quoted_ids
        )
    ]
    students = {
        "on_topic_comments": rendering.Count(
            on_topic_comment_count(campaign=campaign_row, university=campus_row)
        ),
        "themes": student_themes(campaign=campaign_row, university=campus_row),
        "quotes": quotes,
    }
    context: dict = {
        "organisation": {
            "name": organisation.name,
            "address": organisation.address,
            "website": organisation.website,
        },
        "recipient": {
            "name": letter.recipient_name,
            "title": letter.recipient_title,
            "organisation": letter.recipient_organisation,
        },
        "campus": campus,
        "campaign": campaign,
        "students": students,
        "today": timezone.localdate(),
    }
    petition = Petition.objects.filter(campaign=campaign_row).order_by("-created_at").first()
    if petition is not None:
        context["petition"] = {
            "title": petition.title(letter.language),
            "confirmed_signatures": rendering.Count(
                confirmed_signatures(campaign=campaign_row, university=campus_row)
            ),
        }
    snapshot = latest_reach(campaign=campaign_row, university=campus_row)
    if snapshot is not None:
        reach = {
            "people": rendering.Count(snapshot.reach),
            "date_start": snapshot.date_start,
            "date_stop": snapshot.date_stop,
            "is_estimate": True,
        }
        if campus_row.enrollment_total:
            # An estimate: Meta's reach counts accounts, not students, and includes non-students.
            reach["share_percent"] = round(100 * snapshot.reach / campus_row.enrollment_total, 1)
        context["reach"] = reach

    figures = {
        "campus_id": campus_row.pk,
        "campaign_id": campaign_row.pk,
        "enrollment": campus.get("enrollment"),
        "incidents": {k: v for k, v in incidents.items() if k != "rows"} if incidents else None,
        "on_topic_comments": students["on_topic_comments"],
        "themes": students["themes"],
        "quoted_comment_ids": quoted_ids,
        "confirmed_signatures": context.get("petition", {}).get("confirmed_signatures"),
        "reach": {
            "snapshot_id": snapshot.pk,
            "people": snapshot.reach,
            "share_percent": context["reach"].get("share_percent"),
            "date_start": snapshot.date_start.isoformat(),
            "date_stop": snapshot.date_stop.isoformat(),
        }
        if snapshot is not None
        else None,
    }
    return context, figures


# --- relationships ---


def relationships_board(
    *, campaign: Campaign | None, university_id: int | None = None, stage: str = ""
) -> QuerySet[Relationship]:
    relationships = Relationship.objects.select_related("university", "group", "contact", "owner")
    if campaign is not None:
        relationships = relationships.filter(campaign=campaign)
    if university_id:
        relationships = relationships.filter(university_id=university_id)
    if stage:
        relationships = relationships.filter(stage=stage)
    return relationships.order_by("university__name", "pk")


def relationships_overdue(*, campaign: Campaign | None = None, today: dt.date | None = None):
    """Open relationships whose next step was due before today."""
    today = today or timezone.localdate()
    relationships = Relationship.objects.filter(due_on__lt=today).exclude(stage__in=CLOSED_STAGES)
    if campaign is not None:
        relationships = relationships.filter(campaign=campaign)
    return relationships.select_related("university", "group", "contact", "owner").order_by("due_on")


def board_columns(relationships) -> list[tuple[str, str, list[Relationship]]]:
    by_stage: dict[str, list[Relationship]] = {stage: [] for stage in Stage.values}
    for relationship in relationships:
        by_stage[relationship.stage].append(relationship)
    return [(stage, Stage(stage).label, by_stage[stage]) for stage in Stage.values]


# --- coverage ---


def articles_for_review(*, status: str = "", campaign: Campaign | None = None) -> QuerySet[Article]:
    articles = Article.objects.select_related("newspaper", "university", "campaign")
    if status:
        articles = articles.filter(status=status)
    if campaign is not None:
        articles = articles.filter(campaign=campaign)
    return articles.order_by("-published_at", "-pk")


def coverage_for(*, campaign: Campaign, university: University | None = None) -> QuerySet[Article]:
    """Confirmed articles about this campaign (at this campus, when given): what counts as coverage."""
    articles = Article.objects.filter(campaign=campaign, status=Article.Status.CONFIRMED)
    if university is not None:
        articles = articles.filter(university=university)
    return articles.order_by("-published_at", "-pk")


def coverage_counts(*, campaign: Campaign) -> dict[int, int]:
    """Confirmed articles per campus id for one campaign."""
    rows = (
        Article.objects.filter(campaign=campaign, status=Article.Status.CONFIRMED, university__isnull=False)
        .values("university_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["university_id"]: row["n"] for row in rows}


def watched_sources() -> QuerySet[WatchedSource]:
    return WatchedSource.objects.select_related("newspaper")
