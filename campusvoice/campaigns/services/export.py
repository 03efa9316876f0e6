"""The export bundle: everything an organiser needs to publish a campaign by hand, in one ZIP.

    texts.csv                 every item (not drafts): campus, channel, language, time, text, link
    texts/<campus>/<id>.txt   one file per item, ready to paste
    images/                   the templates' images
    targeting.json            per campus: coordinates, radius, ages, languages, budget share
    ads_manager_import.xlsx   ads for Ads Manager's bulk import (Import ads in bulk)
    README.txt                what each file is, and which campuses cannot run ads

The sheet's column names follow Meta's bulk-import template as far as it is documented publicly
(Campaign Name, Ad Set Name, Ad Name, Body, Link, Age Min, Age Max, …); Meta changes that template
without notice, so check the headers against a template exported from your own Ads Manager.
Spreadsheet formula injection is neutralised in the CSV and the sheet: a text starting with
= + - @ (or a tab or carriage return) gets a leading apostrophe.
"""

import csv
import io
import json
import zipfile
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record
from campusvoice.campaigns import selectors
from campusvoice.campaigns.models import Campaign, ContentItem, ContentKind

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORTED_STATUSES = (
    ContentItem.Status.APPROVED,
    ContentItem.Status.SCHEDULED,
    ContentItem.Status.PUBLISHED,
    ContentItem.Status.IN_REVIEW,
)
SHEET_COLUMNS = [
    "Campaign Name",
    "Campaign Objective",
    "Special Ad Categories",
    "Campaign Status",
    "Ad Set Name",
    "Ad Set Run Status",
    "Ad Set Time Start",
    "Ad Set Time Stop",
    "Ad Set Daily Budget",
    "Location (custom: lat,long radius)",
    "Location Types",
    "Age Min",
    "Age Max",
    "Ad Name",
    "Ad Status",
    "Body",
    "Link",
    "Call to Action",
    "Image File Name",
]
CALL_TO_ACTION = {"sign_petition": "SIGN_UP", "join_group": "LEARN_MORE", "share_opinion": "LEARN_MORE"}


def cell_safe(value):
    """A value a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def budget_split(*, campaign: Campaign, universities: list) -> dict[int, Decimal]:
    """The campaign budget shared among campuses by enrolment (equally when a figure is missing)."""
    if not campaign.budget or not universities:
        return {}
    weights = {u.pk: u.enrollment_total for u in universities}
    if any(not w for w in weights.values()):
        weights = dict.fromkeys(weights, 1)
    total = sum(weights.values())
    cent = Decimal("0.01")
    return {
        pk: (campaign.budget * w / total).quantize(cent, rounding=ROUND_DOWN) for pk, w in weights.items()
    }


def _days(campaign: Campaign) -> int:
    if campaign.starts_on and campaign.ends_on:
        return (campaign.ends_on - campaign.starts_on).days + 1
    return 0


def _targeting(campaign: Campaign, universities: list, shares: dict[int, Decimal]) -> list[dict]:
    days = _days(campaign)
    rows = []
    for u in universities:
        share = shares.get(u.pk)
        rows.append(
            {
                "campus": u.name,
                "code": selectors.campus_code(u),
                "country": u.country,
                "latitude": float(u.latitude) if u.latitude is not None else None,
                "longitude": float(u.longitude) if u.longitude is not None else None,
                "coordinates_source": u.coordinates_source,
                "radius": float(campaign.radius_km),
                "distance_unit": "kilometer",
                "location_types": ["home", "recent"],
                "age_min": campaign.age_min,
                "age_max": campaign.age_max,
                "languages": campaign.language_list,
                "budget": str(share) if share is not None else None,
                "daily_budget": str((share / days).quantize(Decimal("0.01"), ROUND_DOWN))
                if share and days
                else None,
                "currency": campaign.currency,
                "ads_allowed": not selectors.is_eu(u),
                "note": selectors.eu_refusal_message() if selectors.is_eu(u) else "",
            }
        )
    return rows


def _item_rows(items: list[ContentItem]) -> list[list]:
    return [
        [
            item.pk,
            item.university.name,
            selectors.campus_code(item.university),
            item.university.country,
            item.kind,
            item.language,
            item.status,
            timezone.localtime(item.scheduled_at).isoformat() if item.scheduled_at else "",
            item.text,
            item.link,
            Path(item.template.image.name).name if item.template and item.template.image else "",
        ]
        for item in items
    ]


def _sheet(campaign: Campaign, items: list[ContentItem], targeting: dict[int, dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ads"
    sheet.append(SHEET_COLUMNS)
    for item in items:
        if item.kind != ContentKind.AD or selectors.is_eu(item.university):
            continue
        target = targeting[item.university_id]
        location = ""
        if target["latitude"] is not None:
            location = f"({target['latitude']:.6f}, {target['longitude']:.6f}) +{target['radius']:g}km"
        code = target["code"]
        row = [
            campaign.name,
            "Awareness",
            "None",
            "PAUSED",
            f"{campaign.slug} – {item.university.name}",
            "PAUSED",
            campaign.starts_on.isoformat() if campaign.starts_on else "",
            campaign.ends_on.isoformat() if campaign.ends_on else "",
            target["daily_budget"] or "",
            location,
            "home, recent",
            target["age_min"],
            target["age_max"],
            f"{campaign.slug}-{code}-{item.pk}",
            "PAUSED",
            item.text,
            item.link,
            CALL_TO_ACTION.get(item.template.call_to_action, "") if item.template else "",
            Path(item.template.image.name).name if item.template and item.template.image else "",
        ]
        sheet.append([cell_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


README = """Export of the campaign "{name}" ({slug}), made {at}.

texts.csv                 every item in review or beyond: campus, channel, language, time, text, link
texts/<campus>/<id>.txt   one text per item, ready to paste
images/                   the templates' images, named as in texts.csv
targeting.json            per campus: coordinates, radius, ages, languages and its share of the budget
ads_manager_import.xlsx   ads for Ads Manager > Import ads in bulk. Column names follow Meta's bulk
                          template as far as it is documented; compare them with a template exported
                          from your own Ads Manager before importing. Everything is created PAUSED.

Texts starting with = + - or @ carry a leading apostrophe so no spreadsheet runs them as formulas.
Campuses in the EU get no ads: {eu_note}
{eu_campuses}
"""


def campaign_export(*, campaign: Campaign, by: User | None) -> bytes:
    """The campaign's export bundle as ZIP bytes; audited as an export (ids only)."""
    universities = list(campaign.universities.order_by("country", "name"))
    shares = budget_split(campaign=campaign, universities=[u for u in universities if not selectors.is_eu(u)])
    targeting = _targeting(campaign, universities, shares)
    by_campus = {u.pk: t for u, t in zip(universities, targeting, strict=True)}
    items = list(
        campaign.content_items.filter(status__in=EXPORTED_STATUSES)
        .select_related("university", "template")
        .order_by("university__name", "scheduled_at", "pk")
    )
    for item in items:
        by_campus.setdefault(item.university_id, _targeting(campaign, [item.university], {})[0])

    texts = io.StringIO()
    writer = csv.writer(texts)
    writer.writerow(
        [
            "id",
            "campus",
            "campus_code",
            "country",
            "channel",
            "language",
            "status",
            "scheduled_at",
            "text",
            "link",
            "image",
        ]
    )
    for row in _item_rows(items):
        writer.writerow([cell_safe(value) for value in row])

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        eu = [u.name for u in universities if selectors.is_eu(u)]
        bundle.writestr(
            "README.txt",
            README.format(
                name=campaign.name,
                slug=campaign.slug,
                at=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                eu_note=selectors.eu_refusal_message(),
                eu_campuses="\n".join(f"  - {name}" for name in eu) or "  (none in this campaign)",
            ),
        )
        bundle.writestr("texts.csv", texts.getvalue())
        for item in items:
            folder = slugify(selectors.campus_code(item.university)) or f"u{item.university_id}"
            bundle.writestr(f"texts/{folder}/{item.pk}-{item.kind}-{item.language}.txt", item.text + "\n")
            if item.link:
                bundle.writestr(f"texts/{folder}/{item.pk}-link.txt", item.link + "\n")
        images = {t.image.name: t.image for t in campaign.content_templates.exclude(image="")}
        for name, image in images.items():
            try:
                with image.open("rb") as handle:
                    bundle.writestr(f"images/{Path(name).name}", handle.read())
            except FileNotFoundError:
                continue
        bundle.writestr("targeting.json", json.dumps(targeting, indent=2, ensure_ascii=False))
        bundle.writestr("ads_manager_import.xlsx", _sheet(campaign, items, by_campus))
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT,
        object_type="campaign",
        object_id=campaign.pk,
        summary="export bundle",
        detail={"items": len(items)},
    )
    return buffer.getvalue()
