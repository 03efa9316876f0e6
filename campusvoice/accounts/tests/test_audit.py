import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from conftest import login_as

pytestmark = pytest.mark.django_db


def test_the_audit_log_is_append_only(organiser):
    event = audit_record(actor=organiser, action="export", object_type="supporters", detail={"rows": 3})

    event.summary = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(summary="x")
    assert AuditEvent.objects.get().summary == ""


def test_it_keeps_the_event_when_the_member_is_deleted(organiser):
    audit_record(actor=organiser, action="view", object_type="university_contacts", object_id=7)
    organiser.delete()
    event = AuditEvent.objects.get(action="view")
    assert event.actor_label == "olga.organiser@example.org"


def test_admins_filter_the_log_by_action_and_person(client, admin_user, organiser):
    audit_record(actor=organiser, action="export", object_type="supporters")
    audit_record(actor=admin_user, action="view", object_type="university_contacts")
    login_as(client, admin_user)

    page = client.get(reverse("accounts:audit-log"), {"action": "export"}).content.decode()

    assert "supporters" in page
    assert "university_contacts" not in page
    page = client.get(reverse("accounts:audit-log"), {"actor": "olga"}).content.decode()
    assert "supporters" in page and "university_contacts" not in page


def test_other_roles_cannot_read_the_log(client, organiser):
    login_as(client, organiser)
    assert client.get(reverse("accounts:audit-log")).status_code == 403
