"""Letters: figures, quotes, the batch, PDF, DOCX, e-mail through the queue, deliveries."""

import datetime as dt
import io
import shutil
import subprocess
import zipfile

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from campusvoice.accounts.models import AuditEvent
from campusvoice.campaigns.models import ReachSnapshot
from campusvoice.campuses.models import Contact
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    IncidentStatisticFactory,
    StudentNewspaperFactory,
    UniversityFactory,
)
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory
from campusvoice.errors import ApplicationError
from campusvoice.outreach.models import Letter, LetterDelivery, LetterKind
from campusvoice.outreach.services import documents
from campusvoice.outreach.services.letters import (
    letter_email,
    letter_quotes_set,
    letter_render,
    letters_prepare,
)
from campusvoice.outreach.tests.factories import LetterFactory, LetterTemplateFactory
from campusvoice.outreach.tests.mail_backends import FlakyBackend
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.services.mail import outgoing_emails_send_due
from campusvoice.petitions.tests.factories import CampaignFactory, PetitionFactory, SignatureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campus_with_figures():
    campus = UniversityFactory(name="Springfield State University", enrollment_total=10_000)
    campaign = CampaignFactory(
        name="Consent Week", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    campaign.universities.add(campus)
    IncidentStatisticFactory(university=campus, year=2023, count=4)
    ReachSnapshot.objects.create(
        campaign=campaign,
        university=campus,
        level=ReachSnapshot.Level.AD_SET,
        source=ReachSnapshot.Source.MANUAL,
        name="springfield",
        date_start=dt.date(2026, 3, 1),
        date_stop=dt.date(2026, 3, 31),
        reach=2_500,
    )
    petition = PetitionFactory(campaign=campaign)
    for _ in range(3):
        SignatureFactory(
            petition=petition,
            university=campus,
            status=Signature.Status.CONFIRMED,
            confirmed_at=timezone.now(),
        )
    SignatureFactory(petition=petition, university=campus)  # unconfirmed: not counted
    post = PostFactory(campaign=campaign)
    post.universities.add(campus)
    return campus, campaign, post


def _letter(campus, campaign, **kw):
    return LetterFactory(campaign=campaign, university=campus, recipient_organisation=campus.name, **kw)


def test_it_fills_in_the_campus_figures_and_records_them(campus_with_figures):
    campus, campaign, post = campus_with_figures
    CommentFactory(post=post, status="done", on_topic=True)
    CommentFactory(post=post, status="done", on_topic=True)
    CommentFactory(post=post, on_topic=False)

    letter = letter_render(letter=_letter(campus, campaign))

    assert letter.status == Letter.Status.DRAFT, letter.error
    assert letter.subject == "Consent Week at Springfield State University"
    assert "2 students at Springfield State University" in letter.body
    assert "about 25.0% of your 10,000 students (an estimate)" in letter.body
    assert "3 of them signed" in letter.body
    assert letter.figures["reach"]["share_percent"] == 25.0
    assert letter.figures["confirmed_signatures"] == 3
    assert letter.figures["incidents"]["total"] == 4


def test_it_never_quotes_a_disclosure(campus_with_figures):
    campus, campaign, post = campus_with_figures
    fine = CommentFactory(
        post=post, status="done", on_topic=True, text="We need consent workshops in first year."
    )
    disclosure = CommentFactory(
        post=post, on_topic=True, disclosure=True, text="It happened to me last spring."
    )
    letter = _letter(campus, campaign)

    with pytest.raises(ApplicationError):
        letter_quotes_set(letter=letter, comment_ids=[fine.pk, disclosure.pk], by=None)
    assert letter.quoted_comments.count() == 0

    letter_quotes_set(letter=letter, comment_ids=[fine.pk], by=None)
    assert "We need consent workshops" in letter.body

    # Flagged as a disclosure later: it drops out when the letter renders again.
    fine.disclosure = True
    fine.save()
    letter_render(letter=letter)
    assert "We need consent workshops" not in letter.body


def test_it_never_quotes_a_comment_from_another_campus(campus_with_figures):
    campus, campaign, _post = campus_with_figures
    elsewhere = PostFactory(campaign=campaign)
    elsewhere.universities.add(UniversityFactory())
    comment = CommentFactory(post=elsewhere, status="done", on_topic=True)

    with pytest.raises(ApplicationError):
        letter_quotes_set(letter=_letter(campus, campaign), comment_ids=[comment.pk], by=None)


def _campus_with_people(n, country="US"):
    campus = UniversityFactory(country=country, chief_admin_name=f"Chief {n}", chief_admin_title="Chancellor")
    if n % 2:
        ContactFactory(
            university=campus, role=Contact.Role.PRESIDENT, name=f"President {n}", title="President"
        )
    group = CampusGroupFactory(university=campus)
    ContactFactory(university=campus, group=group, role=Contact.Role.GROUP_LEADER)
    CampusGroupFactory(university=campus)  # no contact, no e-mail: no letter
    StudentNewspaperFactory(university=campus, editor_name="Ed Itor", editor_email="editor@paper.example.edu")
    return campus


def test_it_prepares_a_letter_per_recipient_for_twenty_campuses_and_again_without_duplicates():
    campaign = CampaignFactory()
    campuses = [_campus_with_people(n, country="IT" if n < 5 else "US") for n in range(20)]
    campaign.universities.set(campuses)
    choice = {
        kind: {
            "en": LetterTemplateFactory(kind=kind, language="en"),
            "it": LetterTemplateFactory(
                kind=kind, language="it", subject="{{ campaign.name }} a {{ campus.name }}"
            ),
        }
        for kind in (LetterKind.PRESIDENT, LetterKind.CAMPUS_GROUP, LetterKind.STUDENT_NEWSPAPER)
    }

    report = letters_prepare(campaign=campaign, template_by_kind=choice, by=None)

    assert (report.created, len(report.failed)) == (60, 0)
    assert Letter.objects.filter(campaign=campaign).count() == 60
    italian = Letter.objects.filter(university=campuses[0], kind=LetterKind.PRESIDENT).get()
    assert italian.language == "it" and " a " in italian.subject
    president = Letter.objects.get(university=campuses[1], kind=LetterKind.PRESIDENT)
    assert president.recipient_name == "President 1" and president.contact is not None
    chief = Letter.objects.get(university=campuses[2], kind=LetterKind.PRESIDENT)
    assert (chief.recipient_name, chief.recipient_title, chief.contact) == ("Chief 2", "Chancellor", None)

    again = letters_prepare(campaign=campaign, template_by_kind=choice, by=None)
    assert (again.created, again.updated) == (0, 60)
    assert Letter.objects.filter(campaign=campaign).count() == 60


def test_a_letter_that_cannot_render_is_kept_with_the_reason_and_the_others_are_ready():
    campaign = CampaignFactory()
    with_reach, without = _campus_with_people(1), _campus_with_people(3)
    campaign.universities.set([with_reach, without])
    ReachSnapshot.objects.create(
        campaign=campaign,
        university=with_reach,
        level="ad_set",
        source="manual",
        name="x",
        date_start=dt.date(2026, 1, 1),
        date_stop=dt.date(2026, 1, 2),
        reach=10,
    )
    template = LetterTemplateFactory(body="We reached {{ reach.people }} people.")

    report = letters_prepare(campaign=campaign, template_by_kind={LetterKind.PRESIDENT: template}, by=None)

    assert len(report.letters) == 2 and len(report.failed) == 1
    assert "reach.people" in report.failed[0].error and without.name in report.failed[0].error


def _pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_the_pdf_holds_the_letterhead_recipient_and_text_and_is_recorded(campus_with_figures, organiser):
    campus, campaign, _post = campus_with_figures
    letter = letter_render(letter=_letter(campus, campaign))

    name, data = documents.letter_file(letter=letter, fmt="pdf", by=organiser)

    assert data.startswith(b"%PDF") and name.endswith(".pdf")
    text = _pdf_text(data)
    assert "Dr Jordan Example" in text and "Springfield State University" in text and "Consent Week" in text
    delivery = LetterDelivery.objects.get()
    assert (delivery.channel, delivery.by, delivery.figures) == ("pdf", organiser, letter.figures)
    event = AuditEvent.objects.get(object_type="outreach.letterdelivery")
    assert event.detail["letter_id"] == letter.pk and "Jordan" not in str(event.detail) + event.summary
    letter.refresh_from_db()
    assert letter.status == Letter.Status.SENT


def test_the_pdf_renderer_fetches_nothing_from_the_network():
    fetcher = documents.local_url_fetcher()
    with pytest.raises(Exception):  # noqa: B017 - WeasyPrint raises its own error types
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")
    assert fetcher.fetch("data:text/plain,hi") is not None


def test_the_docx_opens_and_holds_the_letter(campus_with_figures):
    from docx import Document

    campus, campaign, _post = campus_with_figures
    letter = letter_render(letter=_letter(campus, campaign))

    name, data = documents.letter_file(letter=letter, fmt="docx", by=None)

    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "Dr Jordan Example" in text and "Consent Week at Springfield State University" in text
    assert "Yours sincerely" in text


def test_the_zip_holds_one_file_per_ready_letter_and_lists_the_others(campus_with_figures):
    campus, campaign, _post = campus_with_figures
    ready = letter_render(letter=_letter(campus, campaign))
    broken = letter_render(
        letter=_letter(campus, campaign, template=LetterTemplateFactory(body="{{ nope }}"))
    )

    data = documents.letters_zip(letters=[ready, broken], fmt="pdf", by=None)

    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 1 and "README.txt" in names
    assert "nope" in archive.read("README.txt").decode()


MAILERS = {"default": {"BACKEND": "campusvoice.outreach.tests.mail_backends.FlakyBackend"}}


@override_settings(MAILERS=MAILERS)
def test_an_emailed_letter_waits_out_a_mail_outage_and_is_sent_once(
    campus_with_figures, django_capture_on_commit_callbacks
):
    campus, campaign, _post = campus_with_figures
    letter = letter_render(letter=_letter(campus, campaign))
    mail.outbox = []
    FlakyBackend.down = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = letter_email(letter=letter, by=None)
        email = OutgoingEmail.objects.get()
        assert (email.status, email.attempts, email.purpose) == (
            OutgoingEmail.Status.QUEUED,
            1,
            "outreach_letter",
        )
        assert delivery.email == email and mail.outbox == []
    finally:
        FlakyBackend.down = False

    with time_machine.travel(email.next_attempt_at + dt.timedelta(seconds=1)):
        outgoing_emails_send_due()
        outgoing_emails_send_due()

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["president@campus.example.edu"]]
    assert mail.outbox[0].subject == "Consent Week at Springfield State University"
    # The retry carried the PDF made when the letter was queued.
    [(name, content, mimetype)] = mail.outbox[0].attachments
    assert name.endswith(".pdf") and mimetype == "application/pdf" and content.startswith(b"%PDF-")


def test_a_letter_without_an_address_cannot_be_emailed(campus_with_figures):
    campus, campaign, _post = campus_with_figures
    letter = letter_render(letter=_letter(campus, campaign, recipient_email=""))
    with pytest.raises(ApplicationError):
        letter_email(letter=letter, by=None)
    assert not OutgoingEmail.objects.exists()


def test_deleting_a_contact_removes_their_name_and_address_from_letters(campus_with_figures):
    campus, campaign, _post = campus_with_figures
    contact = ContactFactory(university=campus, name="Dr Jordan Example", email="jordan@campus.example.edu")
    template = LetterTemplateFactory(body="Dear {{ recipient.name }},\n\nThank you.")
    letter = letter_render(letter=_letter(campus, campaign, contact=contact, template=template))
    documents.letter_file(letter=letter, fmt="docx", by=None)
    assert "Dr Jordan Example" in letter.body

    contact.delete()

    letter.refresh_from_db()
    assert "Jordan" not in letter.body + letter.recipient_name and letter.recipient_email == ""
    assert letter.deliveries.count() == 1  # the record that a letter went out stays


def test_without_a_known_head_the_letter_goes_to_the_office():
    campaign = CampaignFactory()
    campaign.universities.set([UniversityFactory(country="US"), UniversityFactory(country="IT")])

    letters_prepare(
        campaign=campaign, template_by_kind={LetterKind.PRESIDENT: LetterTemplateFactory()}, by=None
    )

    titles = dict(Letter.objects.values_list("university__country", "recipient_title"))
    assert titles == {"US": "President", "IT": "Rettore"}
    assert set(Letter.objects.values_list("recipient_name", flat=True)) == {""}


def test_incidents_count_on_campus_figures_of_the_latest_year_only(campus_with_figures):
    campus, campaign, _post = campus_with_figures
    IncidentStatisticFactory(university=campus, year=2023, location="residence_hall", count=3)  # a subset
    IncidentStatisticFactory(university=campus, year=2022, count=9)
    template = LetterTemplateFactory(body="{{ campus.incidents.total }} in {{ campus.incidents.year }}")

    letter = letter_render(letter=_letter(campus, campaign, template=template))

    assert letter.body == "4 in 2023"


def test_sentences_left_out_leave_no_gap(campus_with_figures):
    campus, campaign, _post = campus_with_figures
    template = LetterTemplateFactory(body="Hello   \n\n{% if nothing %}x{% endif %}\n\n\nBye")

    assert letter_render(letter=_letter(campus, campaign, template=template)).body == "Hello\n\nBye"


def test_it_quotes_only_comments_a_moderator_has_reviewed(campus_with_figures):
    campus, campaign, post = campus_with_figures
    unreviewed = CommentFactory(post=post, status="new", on_topic=True, text="Not yet read by a moderator.")
    letter = _letter(campus, campaign)

    with pytest.raises(ApplicationError):
        letter_quotes_set(letter=letter, comment_ids=[unreviewed.pk], by=None)
    assert letter.quoted_comments.count() == 0
