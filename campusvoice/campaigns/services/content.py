"""Content per campus: templates, rendering into items, hand edits and the review workflow.

draft → in_review → approved → scheduled → published | failed. Every change writes a
ContentHistory row with who and what. A hand edit sends an item under review back to draft:
what was approved is what gets published.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campusvoice.accounts.access import can
from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns import selectors
from campusvoice.campaigns.models import (
    AllyItem,
    Campaign,
    ContentHistory,
    ContentItem,
    ContentKind,
    ContentTemplate,
)
from campusvoice.campaigns.rendering import TemplateRenderError, template_check, text_render
from campusvoice.campuses.models import University
from campusvoice.errors import ApplicationError

Status = ContentItem.Status
TEMPLATE_FIELDS = ("name", "kind", "language", "body", "call_to_action", "link_url", "image")


class EuAdRefused(ApplicationError):
    """An ad for a campus in the EU: Meta no longer runs social-issue ads there."""


def _history(item: ContentItem, *, by: User | None, action: str, changes: dict | None = None) -> None:
    ContentHistory.objects.create(
        item=item, by=by if by and by.pk else None, action=action, changes=changes or {}
    )


def tracking_link(*, url: str, kind: str, campaign: Campaign, item_id: int, university: University) -> str:
    """`url` with our utm_* and ref parameters (replacing any of the same name already there)."""
    if not url:
        return ""
    parts = urlsplit(url)
    ours = {
        "utm_source": "facebook",
        "utm_medium": "ad" if kind == ContentKind.AD else "post",
        "utm_campaign": campaign.slug,
        "utm_content": str(item_id),
        "ref": selectors.campus_code(university),
    }
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    return urlunsplit(parts._replace(query=urlencode(query + list(ours.items()))))


def _check_body(body: str) -> None:
    try:
        template_check(body)
    except TemplateRenderError as exc:
        raise ValidationError({"body": exc.message}) from exc


@transaction.atomic
def content_template_create(*, campaign: Campaign, by: User | None, **fields) -> ContentTemplate:
    """Create a template; raises ValidationError on a forbidden tag or variable in the body."""
    template = ContentTemplate(
        campaign=campaign, created_by=by, **{k: v for k, v in fields.items() if k in TEMPLATE_FIELDS}
    )
    _check_body(template.body)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def content_template_update(*, template: ContentTemplate, by: User | None, **fields) -> ContentTemplate:
    for name, value in fields.items():
        if name in TEMPLATE_FIELDS:
            setattr(template, name, value)
    _check_body(template.body)
    template.full_clean()
    template.save()
    return template


@dataclass
class CampusVersion:
    university: University
    text: str = ""
    error: str = ""
    refused: str = ""


@dataclass
class Preview:
    template: ContentTemplate
    versions: list[CampusVersion] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for v in self.versions if v.error)


def _render_for(template: ContentTemplate, university: University, *, link: str = "") -> str:
    context = selectors.campus_context(
        university=university, campaign=template.campaign, language=template.language, link=link
    )
    return text_render(
        body=template.body, context=context, campus_name=university.name, language=template.language
    )


def content_preview(*, template: ContentTemplate) -> Preview:
    """Each target campus's version of the template, or the error that stops it (nothing is saved)."""
    preview = Preview(template=template)
    for university in template.campaign.universities.order_by("country", "name"):
        version = CampusVersion(university=university)
        if template.kind == ContentKind.AD and selectors.is_eu(university):
            version.refused = selectors.eu_refusal_message()
        try:
            link = tracking_link(
                url=template.link_url,
                kind=template.kind,
                campaign=template.campaign,
                item_id=0,
                university=university,
            )
            version.text = _render_for(template, university, link=link)
        except TemplateRenderError as exc:
            version.error = exc.message
        preview.versions.append(version)
    return preview


@dataclass
class RenderReport:
    created: int = 0
    updated: int = 0
    kept: int = 0  # hand-edited or already past review: left as they are
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def content_render(
    *, template: ContentTemplate, by: User | None, organic_for_eu: bool = False, universities=None
) -> RenderReport:
    """Render the template into one draft item per target campus (or per campus of `universities`,
    a subset of the targets); all campuses or none.

    Items edited by hand, or already in review or beyond, are kept. Ads for EU campuses are refused
    (listed in `refused`) unless `organic_for_eu`, which makes them organic page posts instead.
    Raises ApplicationError listing each campus whose version fails (missing variable, bad tag).
    """
    report = RenderReport()
    campaign = template.campaign
    targets = campaign.universities.order_by("country", "name")
    if universities is not None:
        targets = targets.filter(pk__in=[u.pk for u in universities])
    with transaction.atomic():
        for university in targets:
            kind = template.kind
            if kind == ContentKind.AD and selectors.is_eu(university):
                if not organic_for_eu:
                    report.refused.append(university.name)
                    continue
                kind = ContentKind.PAGE_POST
            item = ContentItem.objects.filter(template=template, university=university).first()
            if item is not None and (item.is_hand_edited or item.status != Status.DRAFT):
                report.kept += 1
                continue
            if item is None:
                item = ContentItem(campaign=campaign, template=template, university=university, text="-")
            item.kind, item.language = kind, template.language
            is_new = item.pk is None
            if is_new:
                item.save()
            item.link = tracking_link(
                url=template.link_url, kind=kind, campaign=campaign, item_id=item.pk, university=university
            )
            try:
                text = _render_for(template, university, link=item.link)
            except TemplateRenderError as exc:
                report.errors.append(exc.message)
                continue
            before = item.text
            item.text = text
            item.full_clean()
            item.save()
            if is_new:
                report.created += 1
                _history(item, by=by, action="created", changes={"template": template.pk})
            elif before != text:
                report.updated += 1
                _history(item, by=by, action="rendered", changes={"text": [before, text]})
        if report.errors:
            raise ApplicationError(
                _("Nothing was saved: %(errors)s") % {"errors": " ".join(report.errors)},
                extra={"errors": report.errors},
            )
    return report


@transaction.atomic
def content_item_create(
    *,
    campaign: Campaign,
    university: University,
    kind: str,
    language: str,
    text: str,
    by: User | None,
    url: str = "",
    ally_item: AllyItem | None = None,
    scheduled_at: dt.datetime | None = None,
) -> ContentItem:
    """Add one item by hand (an ally's content shared with our comment, a one-off post).

    Raises EuAdRefused for an ad aimed at an EU campus, ValidationError keyed by field otherwise.
    """
    if kind == ContentKind.AD and selectors.is_eu(university):
        raise EuAdRefused(selectors.eu_refusal_message())
    if not text.strip():
        raise ValidationError({"text": _("Write the text first.")})
    item = ContentItem(
        campaign=campaign,
        university=university,
        kind=kind,
        language=language,
        text=text.strip(),
        is_hand_edited=True,
        ally_item=ally_item,
        scheduled_at=scheduled_at,
    )
    item.full_clean()
    item.save()
    item.link = tracking_link(url=url, kind=kind, campaign=campaign, item_id=item.pk, university=university)
    item.save(update_fields=["link"])
    _history(item, by=by, action="created", changes={"ally_item": ally_item.pk if ally_item else None})
    return item


@transaction.atomic
def content_item_edit(*, item: ContentItem, text: str, by: User | None) -> ContentItem:
    """Change an item's text by hand; it is marked so re-rendering keeps it.

    An item in review or approved goes back to draft (the approval was for the old text).
    Raises ApplicationError once scheduled or published.
    """
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_editable:
        raise ApplicationError(
            _("A scheduled or published item can no longer be edited; unschedule it first.")
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the text first.")})
    if text == item.text:
        return item
    changes = {"text": [item.text, text]}
    if item.status in (Status.IN_REVIEW, Status.APPROVED, Status.FAILED):
        changes["status"] = [item.status, Status.DRAFT]
        item.status, item.approved_by, item.approved_at = Status.DRAFT, None, None
    item.text, item.is_hand_edited = text, True
    item.full_clean()
    item.save()
    _history(item, by=by, action="edited", changes=changes)
    return item


# One whole sentence per refused step, so translations never splice an English verb in.
_REFUSED = {
    "submitted": gettext_lazy("This item is %(status)s; it cannot be submitted for review now."),
    "approved": gettext_lazy("This item is %(status)s; it cannot be approved now."),
    "returned": gettext_lazy("This item is %(status)s; it cannot be returned to draft now."),
    "scheduled": gettext_lazy("This item is %(status)s; it cannot be scheduled now."),
    "unscheduled": gettext_lazy("This item is %(status)s; it cannot be taken off the schedule now."),
    "published": gettext_lazy("This item is %(status)s; it cannot be marked as published now."),
    "failed": gettext_lazy("This item is %(status)s; it cannot be marked as failed now."),
}


def _transition(
    item: ContentItem, *, to: str, allowed_from: tuple[str, ...], by: User | None, action: str, **extra
):
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    if item.status not in allowed_from:
        raise ApplicationError(str(_REFUSED[action]) % {"status": item.get_status_display().lower()})
    changes = {"status": [item.status, to]}
    for name, value in extra.items():
        before = getattr(item, name)
        setattr(item, name, value)
        changes[name] = [
            str(before) if before is not None else None,
            str(value) if value is not None else None,
        ]
    item.status = to
    item.full_clean()
    item.save()
    _history(item, by=by, action=action, changes=changes)
    return item


@transaction.atomic
def content_item_submit(*, item: ContentItem, by: User | None) -> ContentItem:
    """Ask for review of a draft (or of a failed item after a fix)."""
    return _transition(
        item, to=Status.IN_REVIEW, allowed_from=(Status.DRAFT, Status.FAILED), by=by, action="submitted"
    )


@transaction.atomic
def content_item_approve(*, item: ContentItem, by: User) -> ContentItem:
    """Approve an item in review; only members with `campaigns.approve`, and never one's own
    work while someone else could approve it (services/approval.py). Records who and when.
    """
    from campusvoice.campaigns.services.approval import approval_check

    if not can(by, "campaigns.approve"):
        raise ApplicationError(_("Only organisers and admins can approve content."))
    self_approved = approval_check(item=item, by=by)
    item = _transition(
        item,
        to=Status.APPROVED,
        allowed_from=(Status.IN_REVIEW,),
        by=by,
        action="approved",
        approved_by=by,
        approved_at=timezone.now(),
    )
    if self_approved:  # the only approver: allowed, and visible in the history
        row = item.history.filter(action="approved").latest("pk")
        row.changes["self_approved"] = True
        row.save(update_fields=["changes"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="content_item",
        object_id=item.pk,
        summary="self-approved" if self_approved else "approved",
    )
    return item


@transaction.atomic
def content_item_reject(*, item: ContentItem, by: User) -> ContentItem:
    """Send an item in review back to draft."""
    if not can(by, "campaigns.approve"):
        raise ApplicationError(_("Only organisers and admins can review content."))
    return _transition(item, to=Status.DRAFT, allowed_from=(Status.IN_REVIEW,), by=by, action="returned")


@transaction.atomic
def content_item_schedule(*, item: ContentItem, at: dt.datetime, by: User | None) -> ContentItem:
    """Schedule an approved item (or re-schedule a scheduled or failed one) for `at`."""
    if at is None:
        raise ValidationError({"scheduled_at": _("Choose when to publish.")})
    if item.kind == ContentKind.AD and selectors.is_eu(item.university):
        raise EuAdRefused(selectors.eu_refusal_message())
    item = _transition(
        item,
        to=Status.SCHEDULED,
        allowed_from=(Status.APPROVED, Status.SCHEDULED),
        by=by,
        action="scheduled",
        scheduled_at=at,
        failure_reason="",
    )
    if item.publish_attempts:
        # A new schedule gets its own attempts; publish_started_at stays for the look-up of a lost post.
        ContentItem.objects.filter(pk=item.pk).update(publish_attempts=0)
        item.publish_attempts = 0
    return item


@transaction.atomic
def content_item_unschedule(*, item: ContentItem, by: User | None) -> ContentItem:
    """Take a scheduled or failed item off the schedule; it stays approved."""
    return _transition(
        item, to=Status.APPROVED, allowed_from=(Status.SCHEDULED, Status.FAILED), by=by, action="unscheduled"
    )


@transaction.atomic
def content_item_mark_published(
    *,
    item: ContentItem,
    by: User | None,
    platform_id: str = "",
    at: dt.datetime | None = None,
    post_id: int | None = None,
) -> ContentItem:
    """Record an item as published: by a publisher, or by an organiser who posted it by hand.

    `post_id` links the inbox's Post (conversations) that a publisher created for it.
    """
    extra = {"post_id": post_id} if post_id else {}
    return _transition(
        item,
        to=Status.PUBLISHED,
        allowed_from=(Status.SCHEDULED, Status.APPROVED, Status.FAILED),
        by=by,
        action="published",
        platform_id=platform_id,
        published_at=at or timezone.now(),
        failure_reason="",
        **extra,
    )


@transaction.atomic
def content_item_mark_failed(*, item: ContentItem, reason: str, by: User | None = None) -> ContentItem:
    return _transition(
        item,
        to=Status.FAILED,
        allowed_from=(Status.SCHEDULED,),
        by=by,
        action="failed",
        failure_reason=reason[:1000],
    )
