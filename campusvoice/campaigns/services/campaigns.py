"""Campaign plans: create and change, with target campuses from a shortlist or chosen by hand."""

from django.db import transaction

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import Shortlist, University

FIELDS = (
    "name",
    "slug",
    "description",
    "status",
    "starts_on",
    "ends_on",
    "languages",
    "budget",
    "currency",
    "petition_url",
    "radius_km",
    "age_min",
    "age_max",
    "goal_comments_per_post",
    "goal_reach_share",
    "goal_signatures",
    "goal_groups_engaged",
)


def _targets(shortlist: Shortlist | None, universities) -> list[University]:
    chosen = list(universities or [])
    if shortlist is not None:
        chosen += [entry.university for entry in shortlist.entries.select_related("university")]
    return list({u.pk: u for u in chosen}.values())


@transaction.atomic
def campaign_create(
    *, by: User | None, shortlist: Shortlist | None = None, universities=(), **fields
) -> Campaign:
    """Create a campaign; its targets are the shortlist's campuses plus any chosen by hand.

    Raises ValidationError keyed by field (slug taken, ends before it starts, …).
    """
    campaign = Campaign(created_by=by, **{k: v for k, v in fields.items() if k in FIELDS})
    campaign.full_clean()
    campaign.save()
    campaign.universities.set(_targets(shortlist, universities))
    audit_record(actor=by, action=AuditEvent.Action.CREATE, object_type="campaign", object_id=campaign.pk)
    return campaign


@transaction.atomic
def campaign_update(
    *, campaign: Campaign, by: User | None, shortlist: Shortlist | None = None, universities=None, **fields
) -> Campaign:
    """Change a campaign's plan; with `universities` (or a shortlist) its targets are replaced."""
    for name, value in fields.items():
        if name in FIELDS:
            setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    if universities is not None or shortlist is not None:
        campaign.universities.set(_targets(shortlist, universities))
    audit_record(actor=by, action=AuditEvent.Action.CHANGE, object_type="campaign", object_id=campaign.pk)
    return campaign
