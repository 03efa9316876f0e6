"""Outreach in the Django admin: letters and deliveries read-only, no e-mail in the lists."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.campuses.tests.factories import ContactFactory
from campusvoice.outreach.models import Letter, LetterDelivery, LetterTemplate, Relationship
from campusvoice.outreach.services.letters import letter_delivery_record, letter_render
from campusvoice.outreach.tests.factories import LetterFactory, RelationshipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client_for):
    return client_for(Role.ADMIN)


def test_letter_and_delivery_lists_show_no_e_mail_address(admin_client_):
    letter = letter_render(letter=LetterFactory(recipient_email="president@campus.example.edu"))
    letter_delivery_record(letter=letter, channel="pdf", by=None)
    contact = ContactFactory(email="rita@campus.example.edu")
    RelationshipFactory(group=None, contact=contact, university=contact.university)

    for model in ("letter", "letterdelivery", "relationship", "relationshipevent"):
        response = admin_client_.get(reverse(f"admin:outreach_{model}_changelist"))
        assert response.status_code == 200, model
        html = response.content.decode()
        assert "@campus.example.edu" not in html, model


def test_a_delivery_cannot_be_deleted_or_changed(admin_client_):
    letter = letter_render(letter=LetterFactory())
    delivery = letter_delivery_record(letter=letter, channel="pdf", by=None)

    assert (
        admin_client_.post(reverse("admin:outreach_letterdelivery_delete", args=[delivery.pk])).status_code
        == 403
    )
    assert admin_client_.post(reverse("admin:outreach_letter_delete", args=[letter.pk])).status_code == 403
    bulk = admin_client_.post(
        reverse("admin:outreach_letterdelivery_changelist"),
        {"action": "delete_selected", "_selected_action": [delivery.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert (
        LetterDelivery.objects.filter(pk=delivery.pk).exists()
        and Letter.objects.filter(pk=letter.pk).exists()
    )


def test_letters_and_relationships_are_read_only(admin_client_):
    letter = LetterFactory(recipient_name="Dr Jordan Example")
    relationship = RelationshipFactory(next_step="Call")

    page = admin_client_.get(reverse("admin:outreach_letter_change", args=[letter.pk]))
    assert page.status_code == 200 and 'name="recipient_name"' not in page.content.decode()
    changed = admin_client_.post(
        reverse("admin:outreach_relationship_change", args=[relationship.pk]), {"next_step": "Changed"}
    )
    assert changed.status_code == 403
    relationship.refresh_from_db()
    assert relationship.next_step == "Call"
    assert admin_client_.get(reverse("admin:outreach_letter_add")).status_code == 403
    assert Relationship.objects.count() == 1


def test_the_admin_refuses_a_template_the_sandbox_refuses(admin_client_):
    data = {"name": "Rector", "kind": "president", "language": "en", "subject": "Hello", "is_active": "on"}

    bad = admin_client_.post(
        reverse("admin:outreach_lettertemplate_add"), {**data, "body": "{{ settings.SECRET_KEY }}"}
    )
    assert bad.status_code == 200 and "settings.SECRET_KEY" in bad.content.decode()
    assert not LetterTemplate.objects.exists()

    good = admin_client_.post(
        reverse("admin:outreach_lettertemplate_add"), {**data, "body": "Dear {{ recipient.title }},"}
    )
    assert good.status_code == 302
    assert LetterTemplate.objects.get().created_by.role == Role.ADMIN
