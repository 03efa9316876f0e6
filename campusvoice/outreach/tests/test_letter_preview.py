"""Previewing a letter template on one campus before preparing the batch: nothing is saved."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.models import Contact
from campusvoice.campuses.tests.factories import CampusGroupFactory, ContactFactory, UniversityFactory
from campusvoice.outreach.models import Letter, LetterKind
from campusvoice.outreach.services.letters import letter_preview
from campusvoice.outreach.tests.factories import LetterTemplateFactory
from campusvoice.petitions.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign_and_campus():
    campaign = CampaignFactory(name="Consent Week")
    campus = UniversityFactory(
        name="Springfield State", chief_admin_name="Dr Chief", chief_admin_title="Rector"
    )
    campaign.universities.add(campus)
    return campaign, campus


def test_it_renders_the_template_for_the_campus_without_saving_a_letter(campaign_and_campus):
    campaign, campus = campaign_and_campus
    template = LetterTemplateFactory(kind=LetterKind.PRESIDENT)

    [preview] = letter_preview(template=template, campaign=campaign, university=campus)

    assert preview.error == ""
    assert preview.subject == "Consent Week at Springfield State"
    assert preview.body.startswith("Dear Rector,")
    assert preview.recipient_label == "Rector, Springfield State"
    assert not Letter.objects.exists()


def test_it_names_the_missing_variable_and_the_recipient(campaign_and_campus):
    campaign, campus = campaign_and_campus
    template = LetterTemplateFactory(body="{{ campus.incidents.total }} incidents were reported.")

    [preview] = letter_preview(template=template, campaign=campaign, university=campus)

    assert "campus.incidents.total" in preview.error and "Rector, Springfield State" in preview.error
    assert (preview.subject, preview.body) == ("", "")
    assert not Letter.objects.exists()


def test_it_previews_each_recipient_of_the_chosen_kind(campaign_and_campus):
    campaign, campus = campaign_and_campus
    CampusGroupFactory(university=campus, name="Alpha", email="alpha@example.edu")
    CampusGroupFactory(university=campus, name="Beta", email="beta@example.edu")
    template = LetterTemplateFactory(kind=LetterKind.PRESIDENT, body="Dear {{ recipient.organisation }},")

    previews = letter_preview(
        template=template, campaign=campaign, university=campus, kind=LetterKind.CAMPUS_GROUP
    )

    assert [p.body for p in previews] == ["Dear Alpha,", "Dear Beta,"]


def test_it_returns_nothing_when_the_campus_has_no_recipient_of_that_kind(campaign_and_campus):
    campaign, campus = campaign_and_campus
    template = LetterTemplateFactory(kind=LetterKind.TITLE_IX)
    assert letter_preview(template=template, campaign=campaign, university=campus) == []


def test_an_organiser_previews_from_the_page_and_sees_the_error(client_for, campaign_and_campus):
    campaign, campus = campaign_and_campus
    good = LetterTemplateFactory(kind=LetterKind.PRESIDENT)
    bad = LetterTemplateFactory(kind=LetterKind.PRESIDENT, body="We reached {{ reach.people }} students.")
    client = client_for(Role.ORGANISER)
    url = reverse("outreach:letters-preview", args=[campaign.pk])
    assert url in client.get(reverse("outreach:letters-prepare", args=[campaign.pk])).content.decode()

    empty = client.get(url)
    assert empty.status_code == 200 and "Springfield State" in empty.content.decode()  # the campus select

    shown = client.get(url, {"template": good.pk, "campus": campus.pk})
    assert shown.status_code == 200 and "Dear Rector," in shown.content.decode()

    failed = client.get(url, {"template": bad.pk, "campus": campus.pk, "kind": ""})
    assert failed.status_code == 200 and "reach.people" in failed.content.decode()
    assert not Letter.objects.exists()


def test_the_page_refuses_a_campus_outside_the_campaign(client_for, campaign_and_campus):
    campaign, _campus = campaign_and_campus
    template = LetterTemplateFactory()
    client = client_for(Role.ORGANISER)

    response = client.get(
        reverse("outreach:letters-preview", args=[campaign.pk]),
        {"template": template.pk, "campus": UniversityFactory().pk},
    )

    assert response.status_code == 200 and "Dear" not in response.content.decode()
    assert 'class="error"' in response.content.decode()


def test_previewing_a_letter_to_a_contact_is_audited_by_id(client_for, campaign_and_campus):
    campaign, campus = campaign_and_campus
    contact = ContactFactory(university=campus, role=Contact.Role.TITLE_IX, name="Rita Rettrice")
    template = LetterTemplateFactory(kind=LetterKind.TITLE_IX, body="Dear {{ recipient.name }},")
    client = client_for(Role.ORGANISER)

    response = client.get(
        reverse("outreach:letters-preview", args=[campaign.pk]),
        {"template": template.pk, "campus": campus.pk},
    )

    assert "Dear Rita Rettrice," in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_type="campuses.contact")
    assert event.object_id == str(contact.pk) and "Rita" not in event.summary + str(event.detail)
    assert not Letter.objects.exists()


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_moderators_and_analysts_cannot_preview(client_for, campaign_and_campus, role):
    campaign, campus = campaign_and_campus
    template = LetterTemplateFactory()
    response = client_for(role).get(
        reverse("outreach:letters-preview", args=[campaign.pk]),
        {"template": template.pk, "campus": campus.pk},
    )
    assert response.status_code == 403
