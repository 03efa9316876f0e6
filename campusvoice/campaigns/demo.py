"""Demo campaign content: templates in English and Italian, items at every stage, allies, reach.

`campusvoice demo load` calls load() right after the campus directory. The campaign is the one the
inbox demo uses ("Consent on Campus 2026"); whichever loader runs first creates it with the same
slug. Allies' items come from a feed file shipped here (demo_allies.xml), never the internet.
Reach figures are invented but plausible: reach below enrolment, frequency = impressions / reach.
Ads run only at the US campuses: Meta no longer runs social-issue ads in the EU (October 2025).
Running it twice changes nothing.
"""

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from campusvoice.accounts.access import CAPABILITIES
from campusvoice.accounts.models import Role, User
from campusvoice.campaigns import selectors
from campusvoice.campaigns.models import (
    Ally,
    Campaign,
    ContentItem,
    ContentKind,
    ContentTemplate,
    ReachSnapshot,
)
from campusvoice.campaigns.services import content, feeds
from campusvoice.campuses.models import University

CAMPAIGN_SLUG = "consent-on-campus-2026"
CAMPAIGN_NAME = "Consent on Campus 2026"
FEED_FILE = Path(__file__).resolve().parent / "demo_allies.xml"
SEED = 2026

TEMPLATES = [
    (
        "Consent week (EN)",
        ContentKind.PAGE_POST,
        "en",
        ContentTemplate.CallToAction.SHARE_OPINION,
        "Consent is a yes that can change at any time. This week at {{ campus.name }} we are talking about "
        "what that means.{% if incident %}\n\nThe figures: {{ incident }}.{% endif %}"
        "{% if support_resources %}\n\nIf something happened to you, you are not alone:\n{{ support_resources }}"
        "{% endif %}\n\n{{ link }}",
    ),
    (
        "Settimana del consenso (IT)",
        ContentKind.PAGE_POST,
        "it",
        ContentTemplate.CallToAction.SHARE_OPINION,
        "Il consenso è un sì che si può sempre ritirare. Questa settimana all'{{ campus.name }} ne parliamo "
        "insieme.{% if support_resources %}\n\nSe ti è successo qualcosa, non sei sola o solo:\n"
        "{{ support_resources }}{% endif %}\n\n{{ link }}",
    ),
    (
        "Question: what would help (EN)",
        ContentKind.QUESTION_POST,
        "en",
        ContentTemplate.CallToAction.SHARE_OPINION,
        "What would make {{ campus.name }} safer for you? Tell us in the comments: every answer is read.",
    ),
    (
        "Domanda: cosa servirebbe (IT)",
        ContentKind.QUESTION_POST,
        "it",
        ContentTemplate.CallToAction.SHARE_OPINION,
        "Cosa renderebbe l'{{ campus.name }} più sicuro per te? Raccontacelo nei commenti: leggiamo tutto.",
    ),
    (
        "Petition ad (EN)",
        ContentKind.AD,
        "en",
        ContentTemplate.CallToAction.SIGN_PETITION,
        "Students at {{ campus.name }} deserve a campus office that answers. Add your name: {{ link }}",
    ),
]


def _campaign(universities: list[University]) -> Campaign:
    today = timezone.localdate()
    campaign, _created = Campaign.objects.get_or_create(
        slug=CAMPAIGN_SLUG,
        defaults={
            "name": CAMPAIGN_NAME,
            "description": "Posts and conversations on consent and where to find help, in English and Italian.",
            "status": Campaign.Status.RUNNING,
            "starts_on": today - dt.timedelta(days=28),
            "ends_on": today + dt.timedelta(days=14),
            "languages": "en,it",
            "goal_comments_per_post": 40,
        },
    )
    changed = []
    if campaign.budget is None:
        campaign.budget, campaign.currency = Decimal("1200.00"), "USD"
        changed += ["budget", "currency"]
    if not campaign.petition_url:
        campaign.petition_url = "https://petition.example.org/consent-on-campus-2026"
        changed.append("petition_url")
    if changed:
        campaign.save(update_fields=changed)
    campaign.universities.add(*universities)
    return campaign


def _advance(item: ContentItem, *, to: str, at: dt.datetime, by: User | None, platform_id: str = "") -> None:
    if to == ContentItem.Status.DRAFT or item.status != ContentItem.Status.DRAFT:
        return
    content.content_item_submit(item=item, by=by)
    if to == ContentItem.Status.IN_REVIEW:
        return
    # Four eyes (services/approval.py): another approver signs off the organiser's content.
    reviewer = (
        User.objects.filter(is_active=True, role__in=CAPABILITIES["campaigns.approve"])
        .exclude(pk=getattr(by, "pk", None))
        .order_by("pk")
        .first()
    )
    content.content_item_approve(item=item, by=reviewer or by)
    if to == ContentItem.Status.APPROVED:
        return
    content.content_item_schedule(item=item, at=at, by=by)
    if to == ContentItem.Status.PUBLISHED:
        content.content_item_mark_published(item=item, by=by, platform_id=platform_id, at=at)


def _reach(campaign: Campaign, universities: list[University]) -> int:
    rng = random.Random(SEED)
    start = campaign.starts_on or timezone.localdate()
    stop = start + dt.timedelta(days=27)
    made = 0
    for university in universities:
        share = Decimal(str(round(rng.uniform(0.06, 0.22), 3)))
        reach = int((university.enrollment_total or 10_000) * share)
        impressions = int(reach * rng.uniform(1.6, 3.2))
        _snapshot, created = ReachSnapshot.objects.get_or_create(
            level=ReachSnapshot.Level.AD_SET,
            source=ReachSnapshot.Source.ADS_EXPORT,
            platform_id="",
            name=f"{CAMPAIGN_NAME} – {university.name}"[:300],
            date_start=start,
            date_stop=stop,
            defaults={
                "campaign": campaign,
                "university": university,
                "reach": reach,
                "impressions": impressions,
                "frequency": (Decimal(impressions) / Decimal(reach)).quantize(Decimal("0.0001")),
                "spend": Decimal(str(round(rng.uniform(80, 220), 2))),
                "currency": campaign.currency,
                "clicks": int(impressions * rng.uniform(0.004, 0.012)),
            },
        )
        made += created
    return made


@transaction.atomic
def load(*, stdout) -> None:
    universities = [
        *University.objects.filter(country="US").order_by("-enrollment_total", "pk")[:4],
        *University.objects.filter(country="IT").order_by("-enrollment_total", "pk")[:4],
    ]
    if not universities:
        stdout.write("campaigns: no campuses yet, so no demo campaign content.")
        return
    campaign = _campaign(universities)
    by = User.objects.filter(role=Role.ORGANISER).order_by("pk").first()
    us = [u for u in universities if not selectors.is_eu(u)]
    eu = [u for u in universities if selectors.is_eu(u)]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)

    created_templates = 0
    for name, kind, language, call_to_action, body in TEMPLATES:
        template, created = ContentTemplate.objects.get_or_create(
            campaign=campaign,
            name=name,
            defaults={
                "kind": kind,
                "language": language,
                "call_to_action": call_to_action,
                "body": body,
                "link_url": campaign.petition_url if kind != ContentKind.QUESTION_POST else "",
                "created_by": by,
            },
        )
        created_templates += created
        content.content_render(template=template, by=by, universities=us if language == "en" else eu)

    rng = random.Random(SEED)
    due_now = True
    for item in campaign.content_items.select_related("template").order_by("pk"):
        kind = item.kind
        if kind == ContentKind.QUESTION_POST or (kind == ContentKind.PAGE_POST and item.language == "en"):
            at = now - dt.timedelta(days=rng.randint(3, 20))
            _advance(item, to=ContentItem.Status.PUBLISHED, at=at, by=by, platform_id=f"demo_{item.pk}")
        elif kind == ContentKind.PAGE_POST:
            at = now + dt.timedelta(days=rng.randint(1, 10))
            # One is due at once: `demo run`'s scheduler posts it on the fake Page within a minute.
            at, due_now = (timezone.now(), False) if due_now else (at, due_now)
            _advance(item, to=ContentItem.Status.SCHEDULED, at=at, by=by)
        elif kind == ContentKind.AD:
            status = ContentItem.Status.APPROVED if item.pk % 2 else ContentItem.Status.IN_REVIEW
            _advance(item, to=status, at=now, by=by)

    ally, _created = Ally.objects.get_or_create(
        name="Campus Consent Network (demo)",
        defaults={"kind": Ally.Kind.ORGANISATION, "website": "https://allies.example.org/"},
    )
    new_items = feeds.ally_items_store(ally=ally, entries=feeds.feed_parse(FEED_FILE.read_bytes()))
    snapshots = _reach(campaign, us)
    stdout.write(
        f"campaigns: {created_templates} templates, {campaign.content_items.count()} items, "
        f"{new_items} ally items, {snapshots} reach figures"
    )
