"""Paused Meta ad campaigns for a campusvoice campaign: one ad set per campus, each object made once.

1. `ad_campaign_plan` says which target campuses can have an ad set and what each one's budget is.
   Campuses in the EU are refused up front: Meta stopped social-issue ads there on 6 October 2025,
   so they get organic posts and the export bundle instead (campaigns.selectors.is_eu, the same
   rule as the content and export code). Campuses without coordinates cannot be geofenced.
2. `ad_campaign_create` stores the AdCampaign and one AdCampusSet per campus, then pushes.
3. `ad_campaign_push` creates on Meta, in order and all PAUSED: the campaign, then per campus the
   ad set, and, when the campus has approved ad content, a creative and an ad.

Every create is idempotent. Each object has a unique name; before a create call the attempt is
counted in our database, and the id Meta answers is stored at once. If an answer was lost (a
timeout after Meta committed), the next try finds the object by name instead of making another.
A push that stopped (token, permission, throttling) resumes where it stopped. Every object Meta
made is in the audit log (ids only).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns import selectors as campaign_selectors
from campusvoice.campaigns.models import Campaign, ContentItem, ContentKind
from campusvoice.campuses.models import University
from campusvoice.errors import ApplicationError

from .client import (
    EU_ISSUE_ADS_SUBCODE,
    MetaClient,
    MetaError,
    MetaPermanentError,
    MetaPermissionError,
    MetaRateLimited,
    MetaTokenError,
    MetaTransientError,
)
from .models import AdCampaign, AdCampusSet, MetaConnection
from .services import connection_client, connection_error_record, meta_error_message

logger = logging.getLogger(__name__)

# Meta's targeting locale ids (search type=adlocale). (unverified) 1001-1003 are the "(All)"
# groupings and 23 Italian, as commonly cited; look them up for your account before going live.
LOCALE_IDS = {"en": 1001, "es": 1002, "fr": 1003, "it": 23, "de": 5}
OBJECTIVE = "OUTCOME_AWARENESS"  # with REACH / IMPRESSIONS: docs/meta-graph-api.md §5
SPECIAL_AD_CATEGORY = "ISSUES_ELECTIONS_POLITICS"  # advocacy about sexual violence is a social issue
MIN_BUDGET_MINOR = 100  # Meta's smallest ad set budget is about one unit a day
CREATE_ATTEMPTS = 3
CLAIM = dt.timedelta(minutes=15)  # longer than any push; a crashed worker's claim runs out
AD_CONTENT_STATUSES = (
    ContentItem.Status.APPROVED,
    ContentItem.Status.SCHEDULED,
    ContentItem.Status.PUBLISHED,
)


class AdCampaignError(ApplicationError):
    """The ad campaign cannot be made as asked; the message says why and what to do instead."""


@dataclass
class CampusPlan:
    university: University
    budget_minor: int
    content_item: ContentItem | None = None

    @property
    def budget(self) -> Decimal:
        return (Decimal(self.budget_minor) / 100).quantize(Decimal("0.01"))


@dataclass
class AdPlan:
    campuses: list[CampusPlan] = field(default_factory=list)
    refused_eu: list[University] = field(default_factory=list)
    no_coordinates: list[University] = field(default_factory=list)
    # True when "by enrolment" was asked but a campus has no figure, so the split is equal.
    split_fell_back: bool = False

    @property
    def eu_message(self) -> str:
        return campaign_selectors.eu_refusal_message()


def _minor(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def budget_shares(
    *, total_minor: int, universities: list[University], split: str
) -> tuple[dict[int, int], bool]:
    """Each campus's share of the budget in minor units, adding up to the total exactly.

    `enrolment` weights by students enrolled; if any campus lacks the figure, every campus gets
    an equal share (as the export bundle does) and the second value is True.
    """
    if not universities:
        return {}, False
    fell_back = False
    if split == AdCampaign.Split.ENROLMENT:
        weights = {u.pk: u.enrollment_total or 0 for u in universities}
        if not all(weights.values()):
            weights, fell_back = dict.fromkeys(weights, 1), True
    else:
        weights = {u.pk: 1 for u in universities}
    total_weight = sum(weights.values())
    exact = {pk: Decimal(total_minor) * w / total_weight for pk, w in weights.items()}
    shares = {pk: int(value) for pk, value in exact.items()}
    # Largest remainders get the leftover cents, so the shares add up to what was asked.
    leftover = total_minor - sum(shares.values())
    for pk in sorted(exact, key=lambda pk: (exact[pk] - shares[pk], -pk), reverse=True)[:leftover]:
        shares[pk] += 1
    return shares, fell_back


def _ad_content(campaign: Campaign) -> dict[int, ContentItem]:
    """The first approved ad content item of each campus."""
    items = campaign.content_items.filter(kind=ContentKind.AD, status__in=AD_CONTENT_STATUSES).order_by("pk")
    chosen: dict[int, ContentItem] = {}
    for item in items:
        chosen.setdefault(item.university_id, item)
    return chosen


def ad_campaign_plan(
    *, campaign: Campaign, budget_total: Decimal | None = None, split: str = AdCampaign.Split.EQUAL
) -> AdPlan:
    """Which target campuses can get an ad set, the refused ones, and each share of the budget."""
    plan = AdPlan()
    eligible = []
    for university in campaign.universities.order_by("name"):
        if campaign_selectors.is_eu(university):
            plan.refused_eu.append(university)
        elif not university.has_coordinates:
            plan.no_coordinates.append(university)
        else:
            eligible.append(university)
    total_minor = _minor(budget_total) if budget_total else 0
    shares, plan.split_fell_back = budget_shares(total_minor=total_minor, universities=eligible, split=split)
    content = _ad_content(campaign)
    plan.campuses = [CampusPlan(u, shares.get(u.pk, 0), content.get(u.pk)) for u in eligible]
    return plan


def _validate(*, campaign: Campaign, plan: AdPlan, budget_kind: str, languages: list[str]) -> None:
    if not plan.campuses:
        if plan.refused_eu:
            raise AdCampaignError(
                _(
                    "No ad campaign can be made: every target campus is in the EU, where Meta refuses "
                    "social-issue ads since October 2025. Publish organic posts from the campaign page, "
                    "or download the export bundle."
                )
            )
        raise AdCampaignError(
            _("No target campus has coordinates: add latitude and longitude to the campuses first.")
        )
    errors = {}
    unknown = [code for code in languages if code not in LOCALE_IDS]
    if unknown:
        errors["languages"] = _("No Meta locale is known for %(codes)s.") % {"codes": ", ".join(unknown)}
    smallest = min(c.budget_minor for c in plan.campuses)
    if smallest < MIN_BUDGET_MINOR:
        if budget_kind == AdCampaign.BudgetKind.DAILY:
            message = _("The budget is too small: each of the %(n)s campuses would get less than 1.00 a day.")
        else:
            message = _(
                "The budget is too small: each of the %(n)s campuses would get less than 1.00 in all."
            )
        errors["budget_total"] = message % {"n": len(plan.campuses)}
    if budget_kind == AdCampaign.BudgetKind.LIFETIME and not campaign.ends_on:
        errors["budget_kind"] = _("A budget for the whole campaign needs the campaign's end date.")
    if campaign.ends_on and campaign.ends_on < timezone.localdate():
        errors["budget_kind"] = _("This campaign ended on %(date)s.") % {"date": campaign.ends_on}
    if errors:
        raise ValidationError(errors)


def ad_campaign_create(
    *,
    campaign: Campaign,
    connection: MetaConnection,
    ad_account_id: str,
    radius_km: Decimal,
    age_min: int,
    age_max: int,
    languages: list[str],
    budget_total: Decimal,
    budget_kind: str,
    split: str,
    dsa_beneficiary: str,
    dsa_payor: str,
    by: User | None,
    push: bool = True,
) -> AdCampaign:
    """Store the ad campaign and its campuses, then create them on Meta (paused).

    Raises AdCampaignError when no campus can have ads (all EU, no coordinates), ValidationError
    keyed by field for bad input; either way nothing is stored or sent.
    """
    if AdCampaign.objects.filter(campaign=campaign).exists():
        raise AdCampaignError(_("This campaign already has a Meta ad campaign; resume it instead."))
    if not connection.is_active:
        raise AdCampaignError(_("The Facebook Page connection is not active: an admin must reconnect it."))
    plan = ad_campaign_plan(campaign=campaign, budget_total=budget_total, split=split)
    _validate(campaign=campaign, plan=plan, budget_kind=budget_kind, languages=languages)
    with transaction.atomic():
        ad = AdCampaign(
            campaign=campaign,
            connection=connection,
            ad_account_id=ad_account_id.strip(),
            name=campaign.name[:250],
            objective=OBJECTIVE,
            radius_km=radius_km,
            age_min=age_min,
            age_max=age_max,
            languages=",".join(languages),
            budget_total=budget_total,
            budget_kind=budget_kind,
            currency=campaign.currency,
            split=split,
            dsa_beneficiary=dsa_beneficiary.strip(),
            dsa_payor=dsa_payor.strip(),
            created_by=by if by is not None and by.pk else None,
        )
        ad.full_clean(exclude=["campaign", "connection", "created_by"])
        ad.save()
        # The id makes every name on Meta unique, so a lost answer can be found again by name.
        ad.name = f"{campaign.name[:240]} [cv{ad.pk}]"
        ad.save(update_fields=["name"])
        AdCampusSet.objects.bulk_create(
            AdCampusSet(
                ad_campaign=ad,
                university=c.university,
                content_item=c.content_item,
                budget_minor=c.budget_minor,
            )
            for c in plan.campuses
        )
        audit_record(
            actor=by,
            action=AuditEvent.Action.CREATE,
            object_type="meta_ad_campaign",
            object_id=ad.pk,
            summary="planned a paused Meta ad campaign",
            detail={
                "campaign_id": campaign.pk,
                "campuses": len(plan.campuses),
                "refused_eu": [u.pk for u in plan.refused_eu],
                "no_coordinates": [u.pk for u in plan.no_coordinates],
            },
        )
    if push:
        ad_campaign_push(ad_campaign=ad, by=by)
        ad.refresh_from_db()
    return ad


# --- pushing to Meta ------------------------------------------------------------------------------


def _targeting(ad: AdCampaign, university: University) -> dict:
    targeting = {
        "geo_locations": {
            "custom_locations": [
                {
                    "latitude": float(university.latitude),
                    "longitude": float(university.longitude),
                    "radius": float(ad.radius_km),
                    "distance_unit": "kilometer",
                    "name": university.name[:100],
                }
            ],
            "location_types": ["home", "recent"],
        },
        "age_min": ad.age_min,
        "age_max": ad.age_max,
        # Keep ages as hard limits: since v23 Meta widens the audience unless told not to.
        "targeting_automation": {"advantage_audience": 0},
    }
    locales = [LOCALE_IDS[code] for code in ad.language_list if code in LOCALE_IDS]
    if locales:
        targeting["locales"] = locales
    return targeting


def _day_start(day: dt.date, *, end: bool = False) -> str:
    moment = dt.datetime.combine(day, dt.time(23, 59, 59) if end else dt.time(0, 0))
    return timezone.make_aware(moment).isoformat()


def adset_params(ad: AdCampaign, campus: AdCampusSet) -> dict:
    """What POST /act_{id}/adsets is sent for one campus."""
    campaign = ad.campaign
    params = {
        "name": f"{ad.name} – {campus.university.name[:120]} [u{campus.university_id}]",
        "campaign_id": ad.platform_id,
        "status": "PAUSED",
        "optimization_goal": "REACH",
        "billing_event": "IMPRESSIONS",
        "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        "targeting": _targeting(ad, campus.university),
        "dsa_beneficiary": ad.dsa_beneficiary,
        "dsa_payor": ad.dsa_payor,
    }
    budget = "daily_budget" if ad.budget_kind == AdCampaign.BudgetKind.DAILY else "lifetime_budget"
    params[budget] = campus.budget_minor
    if campaign.starts_on and campaign.starts_on > timezone.localdate():
        params["start_time"] = _day_start(campaign.starts_on)
    if campaign.ends_on:
        params["end_time"] = _day_start(campaign.ends_on, end=True)
    return params


def _creative_params(ad: AdCampaign, campus: AdCampusSet) -> dict | None:
    """Promote the published post when there is one (comments stay on one post), else a new one."""
    item = campus.content_item
    if item is None:
        return None
    name = f"{ad.name} – {campus.university.name[:120]} [u{campus.university_id}-i{item.pk}]"
    if item.platform_id and "_" in item.platform_id:
        return {"name": name, "object_story_id": item.platform_id}
    link = item.link or ad.campaign.petition_url
    if not link:
        return None
    return {
        "name": name,
        "object_story_spec": {
            "page_id": ad.connection.page_id,
            "link_data": {"message": item.text, "link": link},
        },
    }


class _Stop(Exception):
    """Stop the push here; the message is stored on the ad campaign."""


def _ensure(
    client: MetaClient, ad: AdCampaign, record, *, id_field: str, edge: str, params: dict, by: User | None
) -> str:
    """The id of the object named params["name"] on Meta, creating it only if it does not exist."""
    if getattr(record, id_field):
        return getattr(record, id_field)
    name = params["name"]
    for attempt in range(CREATE_ATTEMPTS):
        object_id = ""
        if record.attempts:
            # An earlier call may have reached Meta and lost its answer: look before creating.
            found = client.ad_objects_named(ad.ad_account_id, edge, name)
            object_id = str(found[0]["id"]) if found else ""
        if not object_id:
            record.attempts += 1
            record.save(update_fields=["attempts"])  # counted before the call, in its own commit
            try:
                object_id = client.ad_create(ad.ad_account_id, edge, params)
            except MetaTransientError:
                if attempt + 1 == CREATE_ATTEMPTS:
                    raise
                client.sleep(settings.CAMPUSVOICE_META_RETRY_WAIT_SECONDS * 2**attempt)
                continue
        with transaction.atomic():
            setattr(record, id_field, object_id)
            record.attempts = 0
            record.save(update_fields=[id_field, "attempts"])
            audit_record(
                actor=by,
                action=AuditEvent.Action.CREATE,
                object_type="meta_ad_campaign",
                object_id=ad.pk,
                summary=f"created a paused {edge[:-1]} on Meta",
                detail={
                    "edge": edge,
                    "platform_id": object_id,
                    "university_id": getattr(record, "university_id", None),
                },
            )
        return object_id
    raise AssertionError("unreachable")  # pragma: no cover


def ads_error_message(error: MetaError) -> str:
    """What an organiser reads when Meta stops an ad campaign."""
    if isinstance(error, MetaPermissionError):
        return _(
            "Meta refused for lack of a permission (error %(code)s): the token needs ads_management "
            "and the ADVERTISE task on the ad account. Nothing more was created; resume once it is granted."
        ) % {"code": error.code}
    if isinstance(error, MetaTokenError):
        return _(
            "Meta rejected the token (error %(code)s): it expired or was revoked. An admin must connect "
            "the Page again; then resume."
        ) % {"code": error.code}
    if isinstance(error, MetaRateLimited | MetaTransientError):
        return meta_error_message(error) + " " + _("Resume later: nothing is created twice.")
    return meta_error_message(error)


def _is_eu_refusal(error: MetaError) -> bool:
    return (
        isinstance(error, MetaPermanentError) and error.code == 100 and error.subcode == EU_ISSUE_ADS_SUBCODE
    )


def _campus_push(client: MetaClient, ad: AdCampaign, campus: AdCampusSet, by: User | None) -> None:
    try:
        _ensure(
            client, ad, campus, id_field="adset_id", edge="adsets", params=adset_params(ad, campus), by=by
        )
    except MetaError as exc:
        if not isinstance(exc, MetaPermanentError) or isinstance(exc, MetaPermissionError):
            raise
        if _is_eu_refusal(exc):
            campus.status = AdCampusSet.Status.REFUSED
            campus.message = _(
                "Meta refused this ad set: social-issue ads cannot run in the EU since October 2025 "
                "(error %(code)s/%(subcode)s). Check the campus's country, then publish organic posts "
                "or use the export bundle."
            ) % {"code": exc.code, "subcode": exc.subcode}
        else:
            campus.status = AdCampusSet.Status.FAILED
            campus.message = meta_error_message(exc)
        campus.save(update_fields=["status", "message"])
        return
    campus.status, campus.message = AdCampusSet.Status.CREATED, ""
    creative = _creative_params(ad, campus)
    if creative is None:
        campus.message = _("No approved ad content with a link for this campus: add the ad in Ads Manager.")
    else:
        try:
            creative_id = _ensure(
                client, ad, campus, id_field="creative_id", edge="adcreatives", params=creative, by=by
            )
            _ensure(
                client,
                ad,
                campus,
                id_field="ad_id",
                edge="ads",
                params={
                    "name": creative["name"],
                    "adset_id": campus.adset_id,
                    "creative": {"creative_id": creative_id},
                    "status": "PAUSED",
                },
                by=by,
            )
        except MetaPermanentError as exc:
            if isinstance(exc, MetaPermissionError):
                raise
            campus.message = _("The ad set is ready but the ad was refused: %(reason)s") % {
                "reason": meta_error_message(exc)
            }
    campus.save(update_fields=["status", "message"])


def ad_campaign_push(
    *, ad_campaign: AdCampaign, by: User | None = None, sleep=None, timeout: float | None = None
) -> AdCampaign:
    """Create (or finish creating) the campaign on Meta; safe to run again at any point."""
    now = timezone.now()
    claimed = (
        AdCampaign.objects.filter(pk=ad_campaign.pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM)
    )
    ad = AdCampaign.objects.select_related("campaign", "connection").get(pk=ad_campaign.pk)
    if not claimed:
        logger.info("meta ad campaign %s: another push is running", ad.pk)
        return ad
    try:
        return _push(ad, by=by if by is not None else ad.created_by, sleep=sleep, timeout=timeout)
    finally:
        AdCampaign.objects.filter(pk=ad.pk).update(claimed_until=None)
        ad.claimed_until = None


def _push(ad: AdCampaign, *, by: User | None, sleep, timeout: float | None) -> AdCampaign:
    try:
        client = connection_client(connection=ad.connection, sleep=sleep, timeout=timeout)
    except ApplicationError as exc:
        return _stopped(ad, exc.message)
    campuses = list(
        ad.campuses.select_related("university", "content_item").exclude(status=AdCampusSet.Status.REFUSED)
    )
    countries = sorted({c.university.country.upper() for c in campuses})
    try:
        _ensure(
            client,
            ad,
            ad,
            id_field="platform_id",
            edge="campaigns",
            params={
                "name": ad.name,
                "objective": ad.objective,
                "status": "PAUSED",
                "special_ad_categories": [SPECIAL_AD_CATEGORY],
                "special_ad_category_country": countries,
                "is_adset_budget_sharing_enabled": False,
            },
            by=by,
        )
        for campus in campuses:
            if campus.status == AdCampusSet.Status.CREATED and (campus.ad_id or not campus.content_item_id):
                continue
            _campus_push(client, ad, campus, by)
    except MetaError as exc:
        if isinstance(exc, MetaTokenError):
            connection_error_record(connection=ad.connection, error=exc)
        logger.warning("meta ad campaign %s stopped: %s/%s", ad.pk, exc.code, exc.subcode)
        return _stopped(ad, ads_error_message(exc))
    ad.status, ad.last_error = AdCampaign.Status.CREATED, ""
    ad.save(update_fields=["status", "last_error", "updated_at"])
    logger.info("meta ad campaign %s created (%s campuses)", ad.pk, len(campuses))
    return ad


def _stopped(ad: AdCampaign, message: str) -> AdCampaign:
    ad.status, ad.last_error = AdCampaign.Status.STOPPED, message
    ad.save(update_fields=["status", "last_error", "updated_at"])
    return ad
