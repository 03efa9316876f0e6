"""Names that people typed are shown isolated and inert: no bidi override or zero-width character
reaches a page raw, each shows as a visible [U+XXXX] marker inside a <bdi> (or a dir="auto" block),
and the words read in the order they were stored.

The objects are the attack tests' (tests/conftest.py `hostile`): campus, group, newspaper and
contact names, supporters' names and tags, signers' and story names, campaign names and letter
recipients carry "\u202eevil.exe\u202c txt.exe", isolates and zero-width characters.
"""

import csv
import io
import json
import zipfile

import lxml.html
import openpyxl
import pytest
from django import forms
from django.urls import reverse

from campusvoice.accounts.tests.test_role_matrix import KWARGS, MATRIX, Objects
from campusvoice.campuses.models import University
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.templatetags.inbox_text import INVISIBLE
from campusvoice.conversations.templatetags.user_text import isolated
from campusvoice.petitions.tests.factories import PetitionFactory, PetitionVersionFactory
from campusvoice.privacy.services import person_export
from campusvoice.supporters.tests.factories import EmailAddressFactory, PersonFactory
from campusvoice.tests.hostile import NAME_PAYLOADS
from campusvoice.tests.test_xss_everywhere import DETAIL_PAGES
from conftest import login_as

pytestmark = pytest.mark.django_db

BIDI_PAYLOADS = [p for p in NAME_PAYLOADS if INVISIBLE.search(p)]
# Form fields give the stored text back to be edited: there it must stay as it is. A select's
# options are not edited: they show each control as a marker, like the rest of the page.
EDITABLE = ("textarea",)


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


def test_every_forms_choices_show_a_typed_names_controls_as_markers():
    # One place for every form: the widget templates (campusvoice/templates/django/forms/widgets/).
    name = "Anna \u202egnp.exe\u200b"
    campus = UniversityFactory(name=name)

    class Form(forms.Form):
        one = forms.ModelChoiceField(University.objects.all())
        some = forms.ModelMultipleChoiceField(University.objects.all(), widget=forms.CheckboxSelectMultiple)
        labelled = forms.ModelChoiceField(University.objects.all())

    form = Form()
    form.fields["labelled"].label_from_instance = lambda u: f"{u.name} ({u.country})"
    document = lxml.html.fragment_fromstring(form.as_div(), create_parent="div")

    shown = [o.text_content() for o in document.iter("option")] + [
        label.text_content()
        for label in document.iter("label")
        if label.get("for", "").startswith("id_some_")
    ]
    assert raw_controls(lxml.html.tostring(document, encoding="unicode")) == []
    assert [t.strip() for t in shown if "Anna" in t] == [marked(name), f"{marked(name)} (US)", marked(name)]
    assert University.objects.get(pk=campus.pk).name == name  # showing is not storing


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

    wrong, text, options = {}, [], set()
    for url in urls:
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        if found := raw_controls(html):
            wrong[url] = sorted(set(found))
        document = lxml.html.document_fromstring(html or "<p></p>")
        text.append(document.text_content())
        options |= {o.text_content() for o in document.iter("option")}

    assert wrong == {}
    # The drop-downs were among them (forms' selects and hand-written ones), markers in their options.
    assert {p for p in BIDI_PAYLOADS if any(marked(p) in o for o in options)} == set(BIDI_PAYLOADS)
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


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_keep_a_bidi_name_exactly_as_stored(client, admin_user, fmt):
    # Exports are data, not pages: they are imported again, matched and mail-merged, so markers
    # would change the names; and a spreadsheet cell is a paragraph of its own, so an override
    # cannot reorder any other cell. Only formula starts are neutralised (supporters/spreadsheets.py).
    name = "Anna \u202egnp.exe\u200b"
    person = PersonFactory(given_name=name)
    EmailAddressFactory(person=person, address="anna@example.org")
    login_as(client, admin_user)

    response = client.get(reverse("supporters:person-export", args=[fmt]), {"q": "anna@example"})

    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        cells = [cell for row in rows[1:] for cell in row]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        cells = [cell for row in list(sheet.values)[1:] for cell in row]
    assert name in cells and marked(name) not in cells


def test_the_subject_access_export_returns_a_bidi_name_exactly_as_stored(admin_user):
    name = "Anna \u202egnp.exe\u200b"
    person = PersonFactory(given_name=name)

    archive = zipfile.ZipFile(io.BytesIO(person_export(person=person, by=admin_user)))

    assert [p["given_name"] for p in json.loads(archive.read("person.json"))["person"]] == [name]
    assert name in archive.read("person.csv").decode()
