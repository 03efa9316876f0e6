import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.petitions.models import Petition, PetitionVersion, Signature
from campusvoice.petitions.tests.factories import (
    CampaignFactory,
    OutgoingEmailFactory,
    PetitionFactory,
    PetitionVersionFactory,
    SignatureFactory,
)

pytestmark = pytest.mark.django_db


def test_an_organiser_creates_a_petition_and_a_campus_version(client_for):
    client = client_for(Role.ORGANISER)
    campaign = CampaignFactory()
    campus = UniversityFactory()
    campaign.universities.add(campus)

    response = client.post(
        reverse("petitions:petition-create"),
        {
            "campaign": campaign.pk,
            "slug": "safer",
            "title_en": "Safer",
            "text_en": "Text",
            "target_description": "Presidents",
            "is_open": "on",
            "consent_text_en": "Count me",
            "contact_text_en": "Write to me",
        },
    )
    petition = Petition.objects.get()
    assert response.status_code == 302 and petition.consent_version == 1

    response = client.post(
        reverse("petitions:version-create", args=[petition.pk]),
        {"university": campus.pk, "code": "ucla", "target": "The Chancellor"},
    )
    assert response.status_code == 302
    assert PetitionVersion.objects.get().university == campus


def test_a_reserved_word_cannot_be_a_campus_code(client_for):
    version = PetitionVersionFactory()

    response = client_for(Role.ORGANISER).post(
        reverse("petitions:version-create", args=[version.petition.pk]),
        {"university": UniversityFactory().pk, "code": "thanks", "target": "X"},
    )

    assert response.status_code == 200 and PetitionVersion.objects.count() == 1


def test_changing_the_consent_words_bumps_their_version(organiser):
    from campusvoice.petitions.services.petitions import petition_save

    petition = PetitionFactory()
    petition.title_en = "New title"
    petition_save(petition=petition, by=organiser)
    assert petition.consent_version == 1

    petition.consent_text_it = "Nuove parole"
    petition_save(petition=petition, by=organiser)
    assert petition.consent_version == 2


def test_signature_review_searches_voids_and_counts_per_campus(client_for):
    version = PetitionVersionFactory()
    keep = SignatureFactory(petition=version.petition, version=version, name="Anna Rossi")
    SignatureFactory(petition=version.petition, version=version, name="Bruno Bianchi")
    client = client_for(Role.ORGANISER)

    listing = client.get(reverse("petitions:signature-list", args=[version.petition.pk]), {"q": "rossi"})
    assert [s.pk for s in listing.context["page"].object_list] == [keep.pk]
    assert AuditEvent.objects.filter(action="view", object_type="petition_signatures").exists()

    client.post(reverse("petitions:signature-void", args=[keep.pk]), {"reason": "duplicate"})
    keep.refresh_from_db()
    assert keep.status == Signature.Status.VOIDED and keep.void_reason == "duplicate"

    detail = client.get(reverse("petitions:petition-detail", args=[version.petition.pk]))
    [(shown, counts, link)] = detail.context["versions"]
    assert (counts.confirmed, counts.unconfirmed) == (0, 1)
    assert f"ref=share-{version.code}" in link


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_signature_export_is_admin_only_audited_and_formula_safe(client_for, fmt):
    petition = PetitionFactory()
    SignatureFactory(petition=petition, name='=HYPERLINK("http://evil.example","x")', ref="@SUM(A1)")

    assert (
        client_for(Role.ORGANISER)
        .get(reverse("petitions:signature-export", args=[petition.pk, fmt]))
        .status_code
        == 403
    )
    response = client_for(Role.ADMIN).get(reverse("petitions:signature-export", args=[petition.pk, fmt]))

    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        rows = [
            list(row)
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        ]
    row = rows[1]
    assert row[2] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[-1] == "'@SUM(A1)"
    event = AuditEvent.objects.get(action="export")
    assert event.object_id == str(petition.pk) and event.detail == {"count": 1}


def test_the_delivery_pdf_renders_with_counts_per_campus(client_for):
    version = PetitionVersionFactory(target="The Rector")
    SignatureFactory(
        petition=version.petition,
        version=version,
        status=Signature.Status.CONFIRMED,
        confirmed_at="2026-01-01T00:00:00Z",
    )

    response = client_for(Role.ORGANISER).get(
        reverse("petitions:petition-delivery", args=[version.petition.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_mail_queue_shows_bodies_and_addresses_to_admins_only(client_for):
    OutgoingEmailFactory(to="anna@example.org", body_text="Open https://x/confirm/secret/")

    as_organiser = client_for(Role.ORGANISER).get(reverse("petitions:mail-queue")).content.decode()
    assert "anna@example.org" not in as_organiser and "secret" not in as_organiser
    assert "a…@example.org" in as_organiser

    as_admin = client_for(Role.ADMIN).get(reverse("petitions:mail-queue")).content.decode()
    assert "anna@example.org" in as_admin and "secret" in as_admin
