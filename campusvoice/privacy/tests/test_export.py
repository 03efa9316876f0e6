import io
import json
import zipfile

import pytest

from campusvoice.accounts.models import AuditEvent
from campusvoice.errors import ApplicationError
from campusvoice.privacy.services import person_export
from campusvoice.privacy.tests.conftest import EMAIL, OTHER_EMAIL, PHONE, PHRASE, REPLY, SCOPED_ID

pytestmark = pytest.mark.django_db


def _open(archive: bytes) -> tuple[dict, zipfile.ZipFile]:
    zf = zipfile.ZipFile(io.BytesIO(archive))
    return json.loads(zf.read("person.json")), zf


def test_it_exports_everything_about_the_person_and_who_was_merged_into_them(subject, admin_user):
    data, zf = _open(person_export(person=subject.person, by=admin_user))

    assert {p["id"] for p in data["person"]} == {subject.person.pk, subject.absorbed.pk}
    assert {e["address"] for e in data["emails"]} == {EMAIL, OTHER_EMAIL}
    assert [p["number"] for p in data["phones"]] == [PHONE]
    assert [i["scoped_id"] for i in data["identities"]] == [SCOPED_ID]
    assert len(data["tags"]) == 1 and len(data["consents"]) == 1 and len(data["events"]) == 1
    assert {s["id"] for s in data["signatures"]} == {subject.confirmed.pk, subject.unconfirmed.pk}
    assert [s["id"] for s in data["stories"]] == [subject.story.pk]
    assert PHRASE in data["comments"][0]["text"]  # their words are their data
    assert {r["text"] for r in data["replies"]} == {REPLY}
    assert len(data["merges"]) == 1


def test_it_writes_a_csv_per_table_and_no_secrets(subject, admin_user):
    data, zf = _open(person_export(person=subject.person, by=admin_user))

    assert {f"{name}.csv" for name in data if name not in ("exported_at", "person_id")} <= set(zf.namelist())
    assert EMAIL in zf.read("emails.csv").decode()
    assert "token_hash" not in zf.read("signatures.csv").decode()
    assert "withdrawal_token_hash" not in zf.read("stories.csv").decode()


def test_it_audits_the_export_with_counts_only(subject, admin_user):
    person_export(person=subject.person, by=admin_user)

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_type="person")
    assert event.object_id == str(subject.person.pk) and event.detail["signatures"] == 2
    assert EMAIL not in f"{event.summary} {event.detail}"


def test_it_sends_an_absorbed_person_to_the_one_they_were_merged_into(subject, admin_user):
    with pytest.raises(ApplicationError) as exc:
        person_export(person=subject.absorbed, by=admin_user)
    assert exc.value.extra == {"kept_id": subject.person.pk}
