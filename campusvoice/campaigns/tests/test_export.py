import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from campusvoice.campaigns.models import ContentItem, ContentKind
from campusvoice.campaigns.services.export import campaign_export, cell_safe
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory, ContentTemplateFactory
from campusvoice.campuses.tests.factories import UniversityFactory

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def bundle(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    campaign = CampaignFactory(slug="consent-2026", name="Consent 2026", budget=Decimal("300.00"))
    us_big = UniversityFactory(
        name="Big U",
        short_name="BigU",
        country="US",
        latitude=Decimal("42.1"),
        longitude=Decimal("-71.2"),
        enrollment_total=20_000,
    )
    us_small = UniversityFactory(name="Small U", short_name="SmallU", country="US", enrollment_total=10_000)
    italy = UniversityFactory(name="UniBo", short_name="UniBo", country="IT", enrollment_total=80_000)
    campaign.universities.add(us_big, us_small, italy)
    template = ContentTemplateFactory(
        campaign=campaign, kind=ContentKind.AD, image=SimpleUploadedFile("poster.png", PNG, "image/png")
    )
    ad = ContentItemFactory(
        campaign=campaign,
        template=template,
        university=us_big,
        kind=ContentKind.AD,
        text='=HYPERLINK("http://evil")',
        link="https://example.org/?utm_content=1",
        status=ContentItem.Status.APPROVED,
    )
    post = ContentItemFactory(
        campaign=campaign,
        university=italy,
        language="it",
        text="Ciao UniBo",
        status=ContentItem.Status.SCHEDULED,
        scheduled_at="2026-12-01T10:00:00+01:00",
    )
    ContentItemFactory(campaign=campaign, university=us_small, text="still a draft")
    archive = zipfile.ZipFile(io.BytesIO(campaign_export(campaign=campaign, by=None)))
    return archive, ad, post


def test_the_bundle_holds_texts_per_campus_and_images(bundle):
    archive, ad, post = bundle
    names = set(archive.namelist())

    assert {
        "README.txt",
        "texts.csv",
        "targeting.json",
        "ads_manager_import.xlsx",
        "images/poster.png",
    } <= names
    assert f"texts/unibo/{post.pk}-page_post-it.txt" in names
    assert archive.read(f"texts/unibo/{post.pk}-page_post-it.txt").decode() == "Ciao UniBo\n"
    rows = list(csv.DictReader(io.StringIO(archive.read("texts.csv").decode())))
    assert [r["id"] for r in rows] == [str(ad.pk), str(post.pk)]  # drafts stay out
    assert rows[0]["text"] == '\'=HYPERLINK("http://evil")'


def test_targeting_splits_the_budget_across_the_campuses_that_can_run_ads(bundle):
    archive, _ad, _post = bundle
    targeting = {t["code"]: t for t in json.loads(archive.read("targeting.json"))}

    assert targeting["bigu"]["latitude"] == 42.1 and targeting["bigu"]["radius"] == 2.0
    assert targeting["bigu"]["distance_unit"] == "kilometer"
    assert (targeting["bigu"]["budget"], targeting["smallu"]["budget"]) == ("200.00", "100.00")
    assert targeting["bigu"]["daily_budget"] == "6.66"
    assert targeting["unibo"]["ads_allowed"] is False and targeting["unibo"]["budget"] is None
    assert "October 2025" in targeting["unibo"]["note"]


def test_the_ads_manager_sheet_has_one_neutralised_row_per_ad(bundle):
    archive, ad, _post = bundle
    sheet = load_workbook(io.BytesIO(archive.read("ads_manager_import.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))

    header, *ads = rows
    assert header[:3] == ("Campaign Name", "Campaign Objective", "Special Ad Categories")
    assert len(ads) == 1
    row = dict(zip(header, ads[0], strict=True))
    assert row["Ad Set Name"] == "consent-2026 – Big U"
    assert row["Body"] == '\'=HYPERLINK("http://evil")'
    assert row["Location (custom: lat,long radius)"] == "(42.100000, -71.200000) +2km"
    assert (row["Age Min"], row["Age Max"]) == (18, 30)
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_cells_that_look_like_formulas_get_an_apostrophe(text):
    assert cell_safe(text) == "'" + text
    assert cell_safe("Consent = respect") == "Consent = respect"


def test_the_command_writes_the_bundle(tmp_path):
    CampaignFactory(slug="demo-campaign")
    out = tmp_path / "bundle.zip"

    call_command("campaigns", "export", "demo-campaign", "--out", str(out))

    assert "README.txt" in zipfile.ZipFile(out).namelist()


def test_the_command_publishes_what_is_due_and_imports_reach(tmp_path, organiser):
    import io as _io

    campaign = CampaignFactory(slug="cli")
    campaign.universities.add(UniversityFactory(name="Harvard University", short_name="Harvard"))
    export_file = tmp_path / "ads.csv"
    export_file.write_text(
        "Reporting starts,Reporting ends,Ad set name,Reach\n2026-10-01,2026-10-31,Harvard,10\n"
    )
    out = _io.StringIO()

    call_command("campaigns", "publish-due", stdout=out)
    call_command("campaigns", "import-reach", "cli", str(export_file), stdout=out)

    assert "0 items due" in out.getvalue() and "1 created" in out.getvalue()
    assert campaign.reach_snapshots.get().reach == 10
