"""Issue 8, end to end through the organiser's pages: from a finished online push to twenty
personalised letters (PDF, Word, e-mail), a reply tracked on the board, and coverage counted.

Real SMTP (aiosmtpd), a real local newspaper server, real commits (on-commit mail).
"""

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from email import message_from_bytes, policy

import pytest
import time_machine
from django.utils import timezone

from campusvoice.accounts.models import Role
from campusvoice.analytics.figures import Period
from campusvoice.analytics.sources import outreach_figures
from campusvoice.campaigns.models import ReachSnapshot
from campusvoice.campuses.models import Contact
from campusvoice.campuses.tests.factories import (
    CampusGroupFactory,
    ContactFactory,
    StudentNewspaperFactory,
    UniversityFactory,
)
from campusvoice.conversations.models import Comment
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory
from campusvoice.outreach.models import (
    Article,
    Letter,
    LetterDelivery,
    LetterKind,
    Relationship,
    Stage,
    WatchedSource,
)
from campusvoice.outreach.services.relationships import relationship_create
from campusvoice.outreach.tests.factories import LetterTemplateFactory
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.services.mail import outgoing_emails_send_due
from campusvoice.petitions.tests.conftest import smtp_server  # noqa: F401 - the fixture
from campusvoice.petitions.tests.factories import CampaignFactory, PetitionFactory, SignatureFactory

pytestmark = pytest.mark.django_db(transaction=True)

N = 20
BODY = """Dear {{ recipient.title }},

During {{ campaign.name }}, {{ students.on_topic_comments }} comments from {{ campus.name }} were about consent.
Students asked about: {{ students.themes|join:"; " }}.
We reached about {{ reach.share_percent }}% of your {{ campus.enrollment.total }} students (an estimate).
{{ petition.confirmed_signatures }} people from your campus signed “{{ petition.title }}”.
{% for quote in students.quotes %}“{{ quote }}”
{% endfor %}
Yours sincerely,
{{ organisation.name }}"""
QUOTE = "We need consent workshops in the first week of term."


def _pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def _docx_text(data: bytes) -> str:
    from docx import Document

    return " ".join(" ".join(p.text for p in Document(io.BytesIO(data)).paragraphs).split())


@pytest.fixture
def finished_push(newspaper_server):
    """Twenty campuses after a campaign: comments, answers to a question post, signatures, reach,
    a president with an address, a group and a newspaper each (one paper with a broken feed)."""
    campaign = CampaignFactory(
        name="Consent Week", starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31)
    )
    petition = PetitionFactory(campaign=campaign)
    campuses = []
    for i in range(N):
        campus = UniversityFactory(name=f"Campus {i:02d} University", enrollment_total=10_000 + 1_000 * i)
        campaign.universities.add(campus)
        ContactFactory(
            university=campus,
            role=Contact.Role.PRESIDENT,
            title="President",
            email=f"president{i}@campus{i}.example.edu",
        )
        CampusGroupFactory(university=campus)
        feed = "/feed.xml" if i == 0 else "/broken.xml" if i == 1 else ""
        StudentNewspaperFactory(university=campus, feed_url=f"{newspaper_server}{feed}" if feed else "")
        post = PostFactory(campaign=campaign, is_question=True, message="What would make campus safer?")
        post.universities.add(campus)
        # i + 2 on-topic comments, reviewed: a different figure at every campus.
        for text in [QUOTE, "More lighting on the walk home and consent workshops."] + ["Yes."] * i:
            CommentFactory(post=post, status="done", on_topic=True, text=text)
        for _ in range(i % 4 + 1):
            SignatureFactory(
                petition=petition,
                university=campus,
                status=Signature.Status.CONFIRMED,
                confirmed_at=timezone.now(),
            )
        ReachSnapshot.objects.create(
            campaign=campaign,
            university=campus,
            level=ReachSnapshot.Level.AD_SET,
            source=ReachSnapshot.Source.MANUAL,
            name=f"campus-{i}",
            date_start=dt.date(2026, 3, 1),
            date_stop=dt.date(2026, 3, 31),
            reach=2_000 + 100 * i,
        )
        campuses.append(campus)
    LetterTemplateFactory(name="To presidents", kind=LetterKind.PRESIDENT, language="en", body=BODY)
    return campaign, campuses


def _expected(i: int) -> dict:
    return {
        "comments": i + 2,
        "signatures": i % 4 + 1,
        "share": round(100 * (2_000 + 100 * i) / (10_000 + 1_000 * i), 1),
    }


def test_twenty_letters_go_out_as_pdf_word_and_email_and_a_reply_and_coverage_show_up(
    finished_push,
    client_for,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    campaign, campuses = finished_push
    client = client_for(Role.ORGANISER)
    president0 = Contact.objects.get(university=campuses[0], role=Contact.Role.PRESIDENT)
    relationship = relationship_create(campaign=campaign, contact=president0, by=None)

    # 1. Prepare: the only active president template is preselected, so it is one submit.
    page = client.get(f"/outreach/campaigns/{campaign.pk}/prepare/")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(f"/outreach/campaigns/{campaign.pk}/prepare/", data, follow=True)
    assert "20 letters ready, 0 need attention." in response.content.decode()
    letters = {letter.university_id: letter for letter in Letter.objects.filter(campaign=campaign)}
    assert len(letters) == N and {letter.kind for letter in letters.values()} == {LetterKind.PRESIDENT}

    # A chosen quote, for the first campus.
    first = letters[campuses[0].pk]
    quote = Comment.objects.get(text=QUOTE, post__universities=campuses[0])
    client.post(f"/outreach/letters/{first.pk}/quotes/", {"comments": [quote.pk]})
    first.refresh_from_db()
    assert f"“{QUOTE}”" in first.body

    # 2. One download: every letter as PDF and as Word.
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/outreach/campaigns/{campaign.pk}/letters.all.zip").content)
    )
    names = archive.namelist()
    assert len([n for n in names if n.startswith("pdf/")]) == N
    assert len([n for n in names if n.startswith("docx/")]) == N
    has_pdftotext = shutil.which("pdftotext") is not None  # poppler-utils; skipped cleanly without it
    for i, campus in enumerate(campuses):
        letter = letters[campus.pk]
        want = _expected(i)
        stem = f"{letter.pk:05d}-"
        [docx_name] = [n for n in names if n.startswith(f"docx/{stem}")]
        docx_text = _docx_text(archive.read(docx_name))
        assert f"{want['comments']} comments from {campus.name}" in docx_text
        assert f"about {want['share']}%" in docx_text and f"{want['signatures']} people" in docx_text
        themes = letter.figures["themes"]  # the question post's answers, clustered
        assert themes and f"Students asked about: {'; '.join(themes)}." in docx_text
        if has_pdftotext:
            [pdf_name] = [n for n in names if n.startswith(f"pdf/{stem}")]
            pdf_text = _pdf_text(archive.read(pdf_name))
            assert f"{want['comments']} comments from {campus.name}" in pdf_text
            assert f"{want['signatures']} people from your campus signed" in pdf_text

    # 3. Send all by e-mail, while the SMTP server is down: the confirmation page first.
    confirm = client.get(f"/outreach/campaigns/{campaign.pk}/email/")
    assert len(confirm.context["plan"].to_send) == N and not confirm.context["plan"].held
    smtp_server.stop()
    summary = client.post(f"/outreach/campaigns/{campaign.pk}/email/")
    assert "Queued for e-mail: 20. Not sent: 0." in summary.content.decode()
    emails = OutgoingEmail.objects.filter(purpose="outreach_letter")
    assert emails.count() == N and {e.status for e in emails} == {OutgoingEmail.Status.QUEUED}
    assert smtp_server.messages == []
    # Sending again does not queue the letters twice.
    again = client.get(f"/outreach/campaigns/{campaign.pk}/email/")
    assert len(again.context["plan"].already_emailed) == N and not again.context["plan"].to_send

    smtp_server.start()
    later = max(e.next_attempt_at for e in emails) + dt.timedelta(seconds=1)
    with time_machine.travel(later):
        outgoing_emails_send_due()
        outgoing_emails_send_due()  # a second sweep sends nothing twice
    assert len(smtp_server.messages) == N
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(
        f"president{i}@campus{i}.example.edu" for i in range(N)
    )
    by_address = {
        m.rcpt_tos[0]: message_from_bytes(m.content, policy=policy.default) for m in smtp_server.messages
    }
    for i, campus in enumerate(campuses):
        message = by_address[f"president{i}@campus{i}.example.edu"]
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert f"{_expected(i)['comments']} comments from {campus.name}" in " ".join(text.split())
        [pdf] = list(message.iter_attachments())
        assert pdf.get_content_type() == "application/pdf" and pdf.get_content().startswith(b"%PDF-")
        if has_pdftotext:
            assert f"{_expected(i)['comments']} comments from {campus.name}" in _pdf_text(pdf.get_content())

    # Every delivery records the figures it quoted.
    for i, campus in enumerate(campuses):
        deliveries = LetterDelivery.objects.filter(letter=letters[campus.pk])
        assert sorted(d.channel for d in deliveries) == ["docx", "email", "pdf"]
        for delivery in deliveries:
            assert delivery.figures["on_topic_comments"] == _expected(i)["comments"]
            assert delivery.figures["confirmed_signatures"] == _expected(i)["signatures"]
            assert delivery.figures["reach"]["share_percent"] == _expected(i)["share"]
            assert delivery.figures["themes"] == letters[campus.pk].figures["themes"]
    assert LetterDelivery.objects.filter(letter=first, channel="email").get().figures[
        "quoted_comment_ids"
    ] == [quote.pk]

    # 4. The letter moved the relationship to "contacted"; the president replies, we move it on.
    relationship.refresh_from_db()
    assert relationship.stage == Stage.CONTACTED
    client.post(
        f"/outreach/relationships/{relationship.pk}/events/", {"kind": "email", "text": "Replied: yes."}
    )
    client.post(f"/outreach/relationships/{relationship.pk}/move/", {"stage": "replied", "next": "board"})
    board = client.get(f"/outreach/campaigns/{campaign.pk}/board/")
    columns = {stage: cards for stage, _label, cards in board.context["columns"]}
    assert [r.pk for r in columns[Stage.REPLIED]] == [relationship.pk]
    assert Relationship.objects.get(pk=relationship.pk).events.filter(kind="email").exists()

    # 5. Coverage: "check now" reads the papers' feeds (one broken), the organiser confirms.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/outreach/coverage/sources/check/")
    broken = WatchedSource.objects.get(url__endswith="/broken.xml")
    assert broken.last_status == "failed" and broken.last_error
    article = Article.objects.get(url__endswith="/consent-education")
    assert (article.campaign, article.university, article.status) == (
        campaign,
        campuses[0],
        Article.Status.FOUND,
    )
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    before = outreach_figures(university_ids=[campuses[0].pk], campaign=campaign, period=period)
    assert before[campuses[0].pk]["articles_published"].value == 0
    client.post(f"/outreach/coverage/{article.pk}/review/", {"status": "confirmed", "campaign": campaign.pk})
    after = outreach_figures(university_ids=[c.pk for c in campuses[:2]], campaign=campaign, period=period)
    assert after[campuses[0].pk]["articles_published"].value == 1
    assert after[campuses[1].pk]["articles_published"].value == 0
    page = client.get(
        f"/analytics/campus/{campuses[0].pk}/",
        {"campaign": campaign.slug, "date_from": "2026-03-01", "date_to": "2026-03-31"},
    )
    assert page.context["figures"].articles_published.value == 1


def test_a_template_error_names_the_variable_and_recipient_and_sends_them_nothing(
    client_for,
    smtp_server,  # noqa: F811
):
    """A batch with problems sends its valid letters and holds back the others, each with why."""
    campaign = CampaignFactory(name="Consent Week")
    ok, no_figure, no_address = (
        UniversityFactory(name=f"{n} University") for n in ("Alpha", "Beta", "Gamma")
    )
    campaign.universities.add(ok, no_figure, no_address)
    UniversityFactory._meta.model.objects.filter(pk=no_figure.pk).update(enrollment_total=None)
    for campus, email in ((ok, "alpha@example.edu"), (no_figure, "beta@example.edu"), (no_address, "")):
        ContactFactory(university=campus, role=Contact.Role.PRESIDENT, title="President", email=email)
    template = LetterTemplateFactory(
        kind=LetterKind.PRESIDENT, body="{{ campus.name }} enrols {{ campus.enrollment.total }} students."
    )
    client = client_for(Role.ORGANISER)

    response = client.post(
        f"/outreach/campaigns/{campaign.pk}/prepare/", {"president_en": template.pk}, follow=True
    )

    page = response.content.decode()
    assert "2 letters ready, 1 need attention." in page
    error = "“{{ campus.enrollment.total }}” has no value for President, Beta University."
    assert error in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    broken = Letter.objects.get(university=no_figure)
    assert broken.status == Letter.Status.ERROR and broken.error == error

    confirm = client.get(f"/outreach/campaigns/{campaign.pk}/email/").context["plan"]
    assert [letter.university for letter in confirm.to_send] == [ok]
    held = {letter.university.name: why for letter, why in confirm.held}
    assert held == {
        "Beta University": error,
        "Gamma University": "There is no e-mail address for President, Gamma University.",
    }

    summary = client.post(f"/outreach/campaigns/{campaign.pk}/email/")

    assert "Queued for e-mail: 1. Not sent: 2." in summary.content.decode()
    assert [m.rcpt_tos for m in smtp_server.messages] == [["alpha@example.edu"]]
    assert not LetterDelivery.objects.filter(letter__university__in=[no_figure, no_address]).exists()
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/outreach/campaigns/{campaign.pk}/letters.pdf.zip").content)
    )
    assert error in archive.read("README.txt").decode()
