"""A campaign's items moved through review together: submit all drafts, approve all in review,
schedule all approved.

Each runs the single-item service (content.py) on every item the organiser confirmed, so the
checks and history rows are the same as one by one: nobody approves their own work while someone
else can (approval.py), EU ads are never scheduled. An item that cannot move (its own author, or
its status changed since the confirmation page) is skipped and counted with the reason; when no
item can move, nothing is written and the error says why. One audit event records the batch.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campusvoice.accounts.access import can
from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns.models import Campaign, ContentItem
from campusvoice.campaigns.services import content
from campusvoice.errors import ApplicationError

Status = ContentItem.Status

# The status each batch step starts from.
SUBMIT, APPROVE, SCHEDULE = "submit", "approve", "schedule"
FROM_STATUS = {SUBMIT: Status.DRAFT, APPROVE: Status.IN_REVIEW, SCHEDULE: Status.APPROVED}
# Longest gap between two campuses' posts of one language when staggering.
MAX_STAGGER_MINUTES = 24 * 60


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # reason -> how many items

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


def bulk_candidates(*, campaign: Campaign, step: str):
    """The campaign's items a batch step would move, by language then campus (the order scheduled)."""
    return (
        ContentItem.objects.filter(campaign=campaign, status=FROM_STATUS[step])
        .select_related("university", "template")
        .order_by("language", "university__country", "university__name", "pk")
    )


def _run(*, campaign: Campaign, step: str, item_ids, by: User, action) -> BulkResult:
    result = BulkResult()
    wanted = {int(pk) for pk in item_ids or []}
    with transaction.atomic():
        items = list(bulk_candidates(campaign=campaign, step=step).filter(pk__in=wanted))
        for item in items:
            try:
                with transaction.atomic():  # a refused item leaves nothing half-written
                    action(item)
            except ApplicationError as exc:
                result.skipped[exc.message] += 1
            else:
                result.done.append(item.pk)
        gone = len(wanted - {item.pk for item in items})
        if gone:
            result.skipped[_("Its status changed since you confirmed, or it is not in this campaign.")] += (
                gone
            )
        if not result.done:
            reasons = " ".join(sorted(result.skipped)) or _("There was nothing to change.")
            raise ApplicationError(_("No item was changed. %(reasons)s") % {"reasons": reasons})
        audit_record(
            actor=by,
            action=AuditEvent.Action.CHANGE,
            object_type="campaign",
            object_id=campaign.pk,
            summary=f"bulk {step}",
            detail={"items": len(result.done), "skipped": result.skipped_count},
        )
    return result


def content_items_submit_all(*, campaign: Campaign, item_ids, by: User) -> BulkResult:
    """Ask for review of the confirmed drafts."""
    return _run(
        campaign=campaign,
        step=SUBMIT,
        item_ids=item_ids,
        by=by,
        action=lambda item: content.content_item_submit(item=item, by=by),
    )


def content_items_approve_all(*, campaign: Campaign, item_ids, by: User) -> BulkResult:
    """Approve the confirmed items in review; the approver's own work is skipped with the reason."""
    if not can(by, "campaigns.approve"):
        raise ApplicationError(_("Only organisers and admins can approve content."))
    return _run(
        campaign=campaign,
        step=APPROVE,
        item_ids=item_ids,
        by=by,
        action=lambda item: content.content_item_approve(item=item, by=by),
    )


def schedule_times(
    *, items, at_by_language: dict[str, dt.datetime], stagger_minutes: int = 0
) -> dict[int, dt.datetime]:
    """When each item goes out: its language's time, plus `stagger_minutes` per campus before it.

    Raises ValidationError naming a language without a time or a gap out of range.
    """
    if not 0 <= stagger_minutes <= MAX_STAGGER_MINUTES:
        raise ValidationError(
            {
                "stagger_minutes": _("The gap between campuses must be 0 to %(max)s minutes.")
                % {"max": MAX_STAGGER_MINUTES}
            }
        )
    times, position = {}, Counter()
    for item in items:
        at = at_by_language.get(item.language)
        if at is None:
            raise ValidationError(
                {
                    "at_" + item.language: _("Choose when to publish the items in %(language)s.")
                    % {"language": item.language}
                }
            )
        times[item.pk] = at + dt.timedelta(minutes=stagger_minutes * position[item.language])
        position[item.language] += 1
    return times


def content_items_schedule_all(
    *,
    campaign: Campaign,
    item_ids,
    at_by_language: dict[str, dt.datetime],
    stagger_minutes: int = 0,
    by: User,
) -> BulkResult:
    """Schedule the confirmed approved items: per language at its time, campuses `stagger_minutes` apart."""
    items = list(bulk_candidates(campaign=campaign, step=SCHEDULE).filter(pk__in=list(item_ids or [])))
    times = schedule_times(items=items, at_by_language=at_by_language, stagger_minutes=stagger_minutes)
    return _run(
        campaign=campaign,
        step=SCHEDULE,
        item_ids=item_ids,
        by=by,
        action=lambda item: _schedule(item, times, by),
    )


def _schedule(item: ContentItem, times: dict[int, dt.datetime], by: User) -> None:
    if item.pk not in times:  # approved after the times were worked out: not what was confirmed
        raise ApplicationError(_("Its status changed since you confirmed, or it is not in this campaign."))
    content.content_item_schedule(item=item, at=times[item.pk], by=by)
