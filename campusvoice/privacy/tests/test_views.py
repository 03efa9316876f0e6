import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from campusvoice.supporters.models import Person

pytestmark = pytest.mark.django_db


def test_the_person_page_lists_counts_not_contents(client_for, subject):
    from campusvoice.privacy.tests.conftest import EMAIL

    response = client_for("admin").get(reverse("privacy:person", args=[subject.person.pk]))

    assert response.status_code == 200
    assert EMAIL not in response.content.decode()
    assert {str(k): v for k, v in response.context["counts"]}["Signatures"] == 2


def test_the_export_downloads_a_zip(client_for, subject):
    response = client_for("admin").post(reverse("privacy:person-export", args=[subject.person.pk]))

    assert response["Content-Type"] == "application/zip"
    assert f"person-{subject.person.pk}.zip" in response["Content-Disposition"]
    assert "person.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_erasure_asks_for_the_id_before_it_erases(client_for, subject):
    client = client_for("admin")
    url = reverse("privacy:person-erase", args=[subject.person.pk])

    assert client.get(url).status_code == 200
    wrong = client.post(url, {"confirm": "999999", "reason": "request"})
    assert wrong.status_code == 200 and Person.objects.filter(pk=subject.person.pk).exists()

    right = client.post(url, {"confirm": str(subject.person.pk), "reason": "request"})
    assert right.status_code == 302 and not Person.objects.filter(pk=subject.person.pk).exists()


def test_the_retention_page_shows_a_dry_run(client_for, db):
    response = client_for("admin").get(reverse("privacy:retention"))
    assert response.status_code == 200 and response.context["report"].dry_run


def test_the_command_exports_to_a_file(subject, tmp_path):
    out = tmp_path / "p.zip"
    call_command("privacy", "export", "--person", str(subject.person.pk), "--out", str(out))
    assert "emails.csv" in zipfile.ZipFile(out).namelist()


def test_the_command_erases_only_with_yes_or_the_typed_id(subject, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "nope")
    with pytest.raises(CommandError):
        call_command("privacy", "erase", "--person", str(subject.person.pk), "--reason", "request")
    assert Person.objects.filter(pk=subject.person.pk).exists()

    out = io.StringIO()
    call_command(
        "privacy", "erase", "--person", str(subject.person.pk), "--reason", "request", "--yes", stdout=out
    )
    assert "erased" in out.getvalue() and not Person.objects.filter(pk=subject.person.pk).exists()


def test_the_command_prints_the_retention_dry_run(db):
    out = io.StringIO()
    call_command("privacy", "retention", "--dry-run", stdout=out)
    assert "unconfirmed signatures: 0 would be removed" in out.getvalue()
