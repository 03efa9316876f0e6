import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import Workbook

from campusvoice.campaigns.models import ReachSnapshot
from campusvoice.campaigns.services.reach import ReachImportError, parse_decimal, reach_import
from campusvoice.campaigns.tests.factories import CampaignFactory, ContentItemFactory
from campusvoice.campuses.tests.factories import UniversityFactory

pytestmark = pytest.mark.django_db

EN = """Reporting starts,Reporting ends,Campaign name,Ad set name,Delivery status,Reach,Impressions,Frequency,Amount spent (EUR),Link clicks
2026-10-01,2026-10-31,Consent 2026,Consent 2026 – Harvard,active,"12,345","30,100",2.44,"1,234.50",310
2026-10-01,2026-10-31,Consent 2026,Consent 2026 - MIT,active,5000,10000,,99.9,12
,,,,,,,,,
"""


@pytest.fixture
def campaign():
    campaign = CampaignFactory(currency="USD")
    campaign.universities.add(
        UniversityFactory(name="Harvard University", short_name="Harvard", country="US"),
        UniversityFactory(name="Massachusetts Institute of Technology", short_name="MIT", country="US"),
        UniversityFactory(name="Università di Bologna", short_name="UniBo", country="IT"),
    )
    return campaign


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_imports_an_english_ads_manager_export_per_campus(campaign, tmp_path, organiser):
    report = reach_import(campaign=campaign, path=_file(tmp_path, "ads.csv", EN), by=organiser)

    assert (report.created, report.level, report.source) == (2, "ad_set", "ads_export")
    assert (report.date_start, report.date_stop) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    harvard = ReachSnapshot.objects.get(university__short_name="Harvard")
    assert (harvard.reach, harvard.impressions, harvard.spend) == (12345, 30100, Decimal("1234.50"))
    assert harvard.frequency == Decimal("2.44") and harvard.campaign == campaign
    assert harvard.currency == "EUR"
    mit = ReachSnapshot.objects.get(university__short_name="MIT")
    assert mit.frequency == Decimal("2.0000")  # impressions / reach when the export leaves it out


def test_importing_the_same_file_again_changes_nothing(campaign, tmp_path, organiser):
    path = _file(tmp_path, "ads.csv", EN)
    reach_import(campaign=campaign, path=path, by=organiser)

    report = reach_import(campaign=campaign, path=path, by=organiser)

    assert (report.created, report.updated) == (0, 2)
    assert ReachSnapshot.objects.count() == 2


def test_it_reads_an_italian_xlsx_export(campaign, tmp_path, organiser):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Inizio report",
            "Fine report",
            "Nome della campagna",
            "Nome del gruppo di inserzioni",
            "Copertura",
            "Impressioni",
            "Frequenza",
            "Importo speso (EUR)",
        ]
    )
    sheet.append(
        ["01/10/2026", "31/10/2026", "Consenso", "Consenso – UniBo", "1.234", "2.468", "2,00", "45,50"]
    )
    sheet.append(["2026-10-01", "2026-10-31", "Consenso", "Consenso – Harvard", 800, 1600, 2, 10.5])
    path = tmp_path / "inserzioni.xlsx"
    workbook.save(path)

    reach_import(campaign=campaign, path=path, by=organiser)

    unibo = ReachSnapshot.objects.get(university__short_name="UniBo")
    assert (unibo.reach, unibo.impressions, unibo.frequency, unibo.spend) == (
        1234,
        2468,
        Decimal("2.00"),
        Decimal("45.50"),
    )
    assert unibo.date_start == dt.date(2026, 10, 1) and unibo.date_stop == dt.date(2026, 10, 31)


def test_bad_rows_are_reported_by_line_and_field_and_nothing_is_saved(campaign, tmp_path, organiser):
    bad = EN.replace('"12,345"', "lots").replace(
        "2026-10-01,2026-10-31,Consent 2026,Consent 2026 - MIT",
        "yesterday,2026-10-31,Consent 2026,Consent 2026 - MIT",
    )

    with pytest.raises(ReachImportError) as error:
        reach_import(campaign=campaign, path=_file(tmp_path, "bad.csv", bad), by=organiser)

    found = {(e.line, e.field) for e in error.value.errors}
    assert found == {(2, "Reach"), (3, "date")}
    assert "bad.csv:2: Reach: not a number" in str(error.value)
    assert not ReachSnapshot.objects.exists()


def test_an_ad_set_with_no_campus_is_listed_and_a_confirmed_mapping_imports_it(campaign, tmp_path, organiser):
    text = EN.replace("Consent 2026 - MIT", "Boston geofence #2")
    path = _file(tmp_path, "ads.csv", text)

    with pytest.raises(ReachImportError) as error:
        reach_import(campaign=campaign, path=path, by=organiser)
    assert error.value.unmatched == ["Boston geofence #2"]

    mit = campaign.universities.get(short_name="MIT")
    reach_import(campaign=campaign, path=path, by=organiser, mapping={"Boston geofence #2": mit.pk})
    assert ReachSnapshot.objects.get(name="Boston geofence #2").university == mit


def test_it_refuses_an_export_at_ad_level(campaign, tmp_path, organiser):
    text = "Reporting starts,Reporting ends,Ad name,Reach\n2026-10-01,2026-10-31,Ad 1,5\n"

    with pytest.raises(ReachImportError, match="ad set level"):
        reach_import(campaign=campaign, path=_file(tmp_path, "ads.csv", text), by=organiser)


def test_it_imports_a_page_insights_post_export(campaign, tmp_path, organiser):
    item = ContentItemFactory(
        campaign=campaign, university=campaign.universities.get(short_name="MIT"), platform_id="1_2"
    )
    text = "Post ID,Permalink,Publish time,Reach,Impressions,Reactions,Comments,Shares\n1_2,https://fb/1,2026-10-03T10:00:00,900,1200,40,12,3\n"

    reach_import(campaign=campaign, path=_file(tmp_path, "page.csv", text), by=organiser)

    snapshot = ReachSnapshot.objects.get()
    assert (snapshot.level, snapshot.source, snapshot.platform_id) == ("post", "page_export", "1_2")
    assert snapshot.university == item.university and snapshot.is_organic
    assert (snapshot.reactions, snapshot.comments, snapshot.shares) == (40, 12, 3)


@pytest.mark.parametrize(
    ("text", "comma", "expected"),
    [
        ("1.234,56", True, "1234.56"),
        ("1,234.56", False, "1234.56"),
        ("1,234", False, "1234"),
        ("2,5", True, "2.5"),
        ("€ 12,00", True, "12.00"),
        ("1.234", True, "1234"),
    ],
)
def test_numbers_are_read_in_either_locale(text, comma, expected):
    assert parse_decimal(text, comma_decimal=comma) == Decimal(expected)
