"""Hostile text stays text in every place it is shown or sent: pages, e-mails, PDF and DOCX.

The corpus (tests/hostile.py) goes into what outsiders and members type: campus, group,
newspaper and contact names, supporters' names and tags, signers' names, stories, campaign
names, content templates and items, letter recipients and (through the letter sandbox) letter
texts, and comments. Every page the role matrix lists is then fetched as an admin, with the
pages of these objects, and each must carry none of it as markup. Spreadsheet exports are in
test_exports_formula.py; the browser run that proves nothing fires is test_browser_attack.py.
"""

import io
import socket
import subprocess
import zipfile

import pytest
from django.urls import reverse

from campusvoice.accounts.tests.test_role_matrix import KWARGS, MATRIX, Objects
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.outreach.models import Letter
from campusvoice.outreach.tests.factories import LetterFactory
from campusvoice.petitions.tests.factories import PetitionFactory
from campusvoice.tests.conftest import render_letters
from campusvoice.tests.hostile import MARKUP_PAYLOADS, fit, hostile_markup
from conftest import login_as

pytestmark = pytest.mark.django_db


DETAIL_PAGES = {
    "campuses:detail": "university",
    "supporters:person-detail": "person",
    "petitions:story-detail": "story",
    "petitions:signature-list": "petition",
    "petitions:petition-detail": "petition",
    "campaigns:detail": "campaign",
    "campaigns:item-detail": "item",
    "campaigns:template-preview": "template",
    "outreach:letter-detail": "letter",
    "conversations:comment-detail": "comment",
    "privacy:person": "person",
    # Edit forms show the stored text again, inside inputs and text areas.
    "campuses:group-update": "group",
    "campuses:newspaper-update": "newspaper",
    "campuses:contact-update": "contact",
    "campaigns:template-update": "template",
    "campaigns:item-edit": "item",
    "outreach:template-update": "letter_template",
}


def test_no_page_shows_hostile_text_as_markup(client, admin_user, analyst, hostile):
    render_letters(hostile)
    login_as(client, admin_user)
    urls = [
        reverse(name, kwargs={"pk": pk}) for name, kind in DETAIL_PAGES.items() for pk in hostile[kind][:12]
    ]
    campaign = hostile["campaign"][0]
    urls += [
        preview := reverse("outreach:letters-preview", kwargs={"campaign_pk": campaign})
        + f"?template={Letter.objects.get(pk=hostile['letter'][0]).template_id}"
        + f"&campus={hostile['university'][0]}",
        reverse("outreach:board", kwargs={"campaign_pk": campaign}),
        reverse("campaigns:calendar", kwargs={"pk": campaign}),
        reverse("conversations:inbox") + "?q=script",
        reverse("supporters:person-list") + "?q=img",
    ]
    objects = Objects()
    for name, row in MATRIX.items():
        if row.method == "get" and row.admin == 200:
            urls.append(reverse(name, kwargs=KWARGS[row.kwargs](objects) if row.kwargs else {}))

    wrong, shown = {}, 0
    for url in urls:
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        shown += "__pwned" in html  # the corpus is on the page, as text
        if found := hostile_markup(html):
            wrong[url] = sorted(set(found))

    assert wrong == {}
    assert shown >= len(DETAIL_PAGES), "the hostile objects were not on the pages: the test proves nothing"
    # The letter preview rendered the campus name through the sandbox, escaped.
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in client.get(preview).content.decode()


def test_public_pages_keep_campaign_and_campus_names_inert(client, hostile):
    petition = PetitionFactory(campaign_id=hostile["campaign"][0])
    from campusvoice.campuses.models import University
    from campusvoice.petitions.tests.factories import PetitionVersionFactory

    version = PetitionVersionFactory(
        petition=petition, university=University.objects.get(pk=hostile["university"][2])
    )
    urls = [
        reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug}),
        reverse(
            "petitions_public:version", kwargs={"lang": "en", "slug": petition.slug, "code": version.code}
        ),
        reverse("petitions_public:embed", kwargs={"slug": petition.slug}),
        reverse(
            "petitions_public:story-create", kwargs={"lang": "en", "campaign_slug": petition.campaign.slug}
        ),
    ]

    found = {url: hostile_markup(client.get(url).content.decode()) for url in urls}

    assert {url: f for url, f in found.items() if f} == {}


def test_the_confirmation_email_keeps_a_hostile_signer_name_inert(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    url = reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug})
    name = fit("<img src=x onerror=window.__pwned=1><script>alert(1)</script>\u202eevil", 200)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"name": name, "email": "anna@example.org", "consent": "on"}, REMOTE_ADDR="203.0.113.5"
        )

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    htmls = [body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"]
    assert htmls, "no HTML part"
    for html in htmls:
        assert hostile_markup(html) == []
    assert "<script>" not in message.subject


def test_the_letter_email_keeps_hostile_names_inert(
    client, admin_user, hostile, mailoutbox, django_capture_on_commit_callbacks
):
    letter = render_letters(hostile)[0]
    login_as(client, admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outreach:letter-email", kwargs={"pk": letter.pk}))

    assert response.status_code in (200, 302)
    assert mailoutbox, "the letter was not sent"
    message = mailoutbox[-1]
    assert "\n" not in message.subject and "\r" not in message.subject
    htmls = [body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"]
    for html in htmls:
        assert hostile_markup(html) == []


@pytest.fixture
def no_network(monkeypatch):
    """Records (and refuses) any connection to another machine while the test runs."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "::1", "localhost")
            and not host.startswith("/")
        ):
            attempts.append(host)
            raise OSError("network refused by the test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def test_pdf_and_docx_letters_carry_hostile_text_as_text_and_fetch_nothing(client, admin_user, no_network):
    university = UniversityFactory(name="<img src=https://evil.example/p.gif><script>alert(1)</script>")
    letter = LetterFactory(
        university=university,
        recipient_name=fit('<link rel="attachment" href="file:///etc/passwd">Dr Evil', 200),
        recipient_title="<style>@import url(https://evil.example/x.css);</style>",
    )
    from campusvoice.outreach.services.letters import letter_render

    letter = letter_render(letter=letter)
    assert letter.status == Letter.Status.DRAFT, letter.error
    login_as(client, admin_user)

    pdf = client.get(reverse("outreach:letter-download", kwargs={"pk": letter.pk, "fmt": "pdf"}))
    docx = client.get(reverse("outreach:letter-download", kwargs={"pk": letter.pk, "fmt": "docx"}))

    assert pdf.status_code == 200 and docx.status_code == 200
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()
    squeezed = " ".join(text.split())
    assert "<script>alert(1)</script>" in squeezed  # shown, not run
    assert '<link rel="attachment" href="file:///etc/passwd">Dr Evil' in squeezed
    assert "root:" not in text
    for marker in (b"/EmbeddedFile", b"/JavaScript", b"/Launch", b"/URI"):
        assert marker not in body, marker
    docx_body = b"".join(docx.streaming_content) if docx.streaming else docx.content
    with zipfile.ZipFile(io.BytesIO(docx_body)) as document:
        rels = "".join(document.read(n).decode() for n in document.namelist() if n.endswith(".rels"))
        xml = document.read("word/document.xml").decode()
    assert 'TargetMode="External"' not in rels
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml  # text in a run, not markup
    assert no_network == []


def test_the_checker_catches_each_payload_when_it_is_not_escaped():
    # If the corpus were pasted in raw, the checker must say so: otherwise the tests above prove nothing.
    missed = [
        payload
        for payload in MARKUP_PAYLOADS
        if not hostile_markup(f"<html><body><p>{payload}</p></body></html>")
    ]

    assert missed == []
