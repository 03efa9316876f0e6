"""Names that people typed are shown isolated and inert: no bidi override or zero-width character
reaches a page raw, each shows as a visible [U+XXXX] marker inside a <bdi> (or a dir="auto" block),
and the words read in the order they were stored.

The objects are the attack tests' (tests/conftest.py `hostile`): campus, group, newspaper and
contact names, supporters' names and tags, signers' and story names, campaign names and letter
recipients carry "\u202eevil.exe\u202c txt.exe", isolates and zero-width characters.
"""

import lxml.html
import pytest
from django.urls import reverse

from campusvoice.accounts.tests.test_role_matrix import KWARGS, MATRIX, Objects
from campusvoice.campuses.models import University
from campusvoice.conversations.templatetags.inbox_text import INVISIBLE
from campusvoice.conversations.templatetags.user_text import isolated
from campusvoice.petitions.tests.factories import PetitionFactory, PetitionVersionFactory
from campusvoice.tests.hostile import NAME_PAYLOADS
from campusvoice.tests.test_xss_everywhere import DETAIL_PAGES
from conftest import login_as

pytestmark = pytest.mark.django_db

BIDI_PAYLOADS = [p for p in NAME_PAYLOADS if INVISIBLE.search(p)]
# Form fields give the stored text back to be edited: there it must stay as it is. A select's
# options come from the forms, not the templates, and each is its own line, so an override there
# cannot spill into other text (left as is for now: see docs/security.md).
EDITABLE = ("textarea", "option")


def marked(text: str) -> str:
    """What the page shows for this stored text: each control as its visible marker, in place."""
    return INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def raw_controls(html: str) -> list[str]:
    """Text on the page that still carries a bidi or zero-width control, and markers not isolated."""
    found = []
    document = lxml.html.document_fromstring(html or "<p></p>")
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in EDITABLE and INVISIBLE.search(element.text or ""):
            found.append(f"raw control in <{element.tag}>: {element.text[:40]!r}")
        parent = element.getparent()
        if parent is not None and parent.tag not in EDITABLE and INVISIBLE.search(element.tail or ""):
            found.append(f"raw control after <{element.tag}>: {element.tail[:40]!r}")
        for name in ("title", "aria-label", "alt", "placeholder"):
            if INVISIBLE.search(element.get(name) or ""):
                found.append(f"raw control in <{element.tag} {name}>")
        if "ctrl-char" in (element.get("class") or "") and not any(
            a.tag == "bdi" or a.get("dir") for a in element.iterancestors()
        ):
            found.append(f"marker outside an isolate: {lxml.html.tostring(parent)[:80]!r}")
    return found


def test_the_filter_isolates_shows_controls_and_keeps_the_order():
    assert isolated("a\u202eb<i>") == (
        '<bdi>a<span class="ctrl-char" title="U+202E">[U+202E]</span>b&lt;i&gt;</bdi>'
    )
    assert isolated("") == "" and isolated(None) == ""
    assert isolated("زينب") == "<bdi>زينب</bdi>"  # right-to-left text itself is left alone


def test_no_page_shows_a_raw_bidi_control_or_an_unisolated_name(client, admin_user, analyst, hostile):
    assert BIDI_PAYLOADS, "the corpus lost its bidi payloads: the test proves nothing"
    login_as(client, admin_user)
    urls = [
        reverse(name, kwargs={"pk": pk}) for name, kind in DETAIL_PAGES.items() for pk in hostile[kind][:12]
    ]
    campaign = hostile["campaign"][0]
    urls += [
        reverse("outreach:board", kwargs={"campaign_pk": campaign}),
        reverse("campaigns:calendar", kwargs={"pk": campaign}),
    ]
    objects = Objects()
    for name, row in MATRIX.items():
        if row.method == "get" and row.admin == 200:
            urls.append(reverse(name, kwargs=KWARGS[row.kwargs](objects) if row.kwargs else {}))

    wrong, text = {}, []
    for url in urls:
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        if found := raw_controls(html):
            wrong[url] = sorted(set(found))
        text.append(lxml.html.document_fromstring(html or "<p></p>").text_content())

    assert wrong == {}
    shown = "\n".join(text)
    # Every bidi name reads as stored, controls shown in place rather than obeyed or dropped.
    for payload in BIDI_PAYLOADS:
        assert marked(payload) in shown, payload
    # Showing is not storing: the database keeps the name as it was typed.
    assert set(University.objects.filter(pk__in=hostile["university"]).values_list("name", flat=True)) >= set(
        BIDI_PAYLOADS
    )


def test_public_petition_pages_isolate_a_bidi_campus_name(client, hostile):
    name = BIDI_PAYLOADS[0]
    petition = PetitionFactory(campaign_id=hostile["campaign"][0])
    version = PetitionVersionFactory(petition=petition, university=University.objects.get(name=name))
    urls = [
        reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug}),
        reverse(
            "petitions_public:version", kwargs={"lang": "en", "slug": petition.slug, "code": version.code}
        ),
    ]

    pages = {url: client.get(url).content.decode() for url in urls}

    assert {url: f for url, html in pages.items() if (f := raw_controls(html))} == {}
    assert marked(name) in lxml.html.document_fromstring(pages[urls[0]]).text_content()


def test_the_confirmation_email_isolates_a_bidi_signer_name(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    url = reverse("petitions_public:petition", kwargs={"lang": "en", "slug": petition.slug})
    name = "Anna \u202egnp.exe\u200b"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"name": name, "email": "anna@example.org", "consent": "on"}, REMOTE_ADDR="203.0.113.5"
        )

    (message,) = mailoutbox
    (html,) = [body for body, mime in message.alternatives if mime == "text/html"]
    assert raw_controls(html) == []
    assert "<bdi>Anna " in html and marked(name) in lxml.html.document_fromstring(html).text_content()
