import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from campusvoice.petitions import throttling
from campusvoice.petitions.models import OutgoingEmail, Signature
from campusvoice.petitions.services.signatures import (
    Outcome,
    signature_confirm,
    signature_submit,
    signature_void,
    text_hash,
)
from campusvoice.petitions.tests.factories import PetitionFactory, PetitionVersionFactory, SignatureFactory
from campusvoice.supporters.models import ConsentRecord, EngagementEvent, Person

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"'<>]+")


def _page(petition, version=None, lang="en"):
    if version:
        return reverse(
            "petitions_public:version", kwargs={"lang": lang, "slug": petition.slug, "code": version.code}
        )
    return reverse("petitions_public:petition", kwargs={"lang": lang, "slug": petition.slug})


def _sign(client, petition, version=None, *, lang="en", ip="203.0.113.7", **data):
    form = {"name": "Anna Rossi", "email": "anna@example.org", "consent": "on"} | data
    if version is not None:
        form.setdefault("version", version.pk)
    return client.post(_page(petition, version, lang), form, REMOTE_ADDR=ip)


def _links(message) -> list[str]:
    bodies = [message.body] + [content for content, _mime in getattr(message, "alternatives", [])]
    return sorted({link.rstrip(".") for body in bodies for link in LINK.findall(body)})


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_petition_page_shows_the_text_and_both_counters_in_the_urls_language(client):
    version = PetitionVersionFactory()
    SignatureFactory(
        petition=version.petition,
        version=version,
        status=Signature.Status.CONFIRMED,
        confirmed_at="2026-01-01T00:00:00Z",
    )
    SignatureFactory(petition=version.petition, version=version)

    response = client.get(_page(version.petition, version, lang="it"))

    assert response.status_code == 200
    assert response["Content-Language"] == "it"
    html = response.content.decode()
    assert "Un piano vero contro la violenza sessuale" in html
    assert "Contate il mio nome e consegnatelo con la petizione." in html
    assert html.count('<p class="counter') == 3  # this campus, confirmed, waiting
    assert '<html lang="it">' in html


def test_signing_then_confirming_by_post_counts_the_signature_once(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    version = PetitionVersionFactory()
    petition = version.petition

    with django_capture_on_commit_callbacks(execute=True):
        response = _sign(client, petition, version, utm_source="facebook", ref="ad-7")

    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("petitions_public:thanks", kwargs={"lang": "en", "slug": petition.slug})
    )
    signature = Signature.objects.get()
    assert (signature.status, signature.version, signature.utm_source, signature.ref) == (
        Signature.Status.UNCONFIRMED,
        version,
        "facebook",
        "ad-7",
    )
    assert signature.ip_hash and "203.0.113.7" not in signature.ip_hash
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT

    confirm_url = next(link for link in _links(mailoutbox[0]) if "/confirm/" in link)
    page = client.get(_path(confirm_url))
    assert page.status_code == 200 and b"Confirm my signature" in page.content
    signature.refresh_from_db()
    assert signature.status == Signature.Status.UNCONFIRMED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_path(confirm_url))
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.status == Signature.Status.CONFIRMED and signature.token_hash is None
    assert client.post(_path(confirm_url)).status_code == 410  # single use
    assert Signature.objects.filter(status=Signature.Status.CONFIRMED).count() == 1


def test_a_mail_scanner_that_opens_every_link_confirms_nothing(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _sign(client, petition)

    links = _links(mailoutbox[0])
    assert links
    for link in links:
        client.get(_path(link))
        client.head(_path(link))

    assert Signature.objects.get().status == Signature.Status.UNCONFIRMED


def test_already_signed_looks_exactly_like_a_first_signature(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    confirmed = SignatureFactory(
        petition=petition,
        email="done@example.org",
        status=Signature.Status.CONFIRMED,
        confirmed_at="2026-01-01T00:00:00Z",
        token_hash=None,
    )
    SignatureFactory(petition=petition, email="waiting@example.org")

    responses = {}
    for email in ("new@example.org", "waiting@example.org", "done@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            responses[email] = _sign(client, petition, email=email)

    assert {(r.status_code, r["Location"]) for r in responses.values()} == {
        (302, reverse("petitions_public:thanks", kwargs={"lang": "en", "slug": petition.slug}))
    }
    thanks = {client.get(r["Location"]).content for r in responses.values()}
    assert len(thanks) == 1
    # A new link for the one still waiting; nothing for the confirmed one.
    assert sorted(m.to[0] for m in mailoutbox) == ["new@example.org", "waiting@example.org"]
    confirmed.refresh_from_db()
    assert confirmed.status == Signature.Status.CONFIRMED


def test_a_resent_link_replaces_the_old_one():
    petition = PetitionFactory()
    old = SignatureFactory(petition=petition, email="anna@example.org", token="old-token")

    result = signature_submit(
        petition=petition,
        version=None,
        name="Anna",
        email="anna@example.org",
        contact_ok=False,
        language="en",
    )

    assert result == type(result)(Outcome.RESENT, old.pk)
    assert signature_confirm(token="old-token") is None


def test_the_same_mailbox_typed_differently_signs_once():
    petition = PetitionFactory()
    first = signature_submit(
        petition=petition,
        version=None,
        name="Anna",
        email="Anna.Rossi+petition@gmail.com",
        contact_ok=False,
        language="en",
    )

    again = signature_submit(
        petition=petition,
        version=None,
        name="Anna",
        email=" annarossi@GOOGLEMAIL.com ",
        contact_ok=False,
        language="en",
    )

    assert first.outcome == Outcome.CREATED and again.outcome == Outcome.RESENT
    signature = Signature.objects.get()
    assert (signature.email, signature.email_canonical) == (
        "anna.rossi+petition@gmail.com",
        "annarossi@gmail.com",
    )


def test_the_database_refuses_a_second_signature_from_the_same_mailbox():
    signature = SignatureFactory(email="a.b@gmail.com")

    with pytest.raises(ValidationError):
        Signature(
            petition=signature.petition,
            email="ab@gmail.com",
            email_canonical="ab@gmail.com",
            name="X",
            consent_version=1,
            consent_text_hash="x",
            contact_text_hash="x",
        ).full_clean()


def test_confirming_records_the_person_the_consents_with_their_wording_and_the_events(
    django_capture_on_commit_callbacks,
):
    petition = PetitionFactory(consent_version=3)
    SignatureFactory(
        petition=petition,
        email="anna@example.org",
        name="Anna Maria Rossi",
        contact_ok=True,
        consent_version=3,
        token="t",
    )

    with django_capture_on_commit_callbacks(execute=True):
        signature = signature_confirm(token="t")

    person = signature.person
    assert (person.given_name, person.family_name) == ("Anna", "Maria Rossi")
    assert person.emails.get().verified_at is not None
    consents = {c.purpose: c for c in ConsentRecord.objects.filter(person=person)}
    assert consents["petition"].granted and consents["contact"].granted
    assert consents["petition"].text_version == "3"
    assert consents["petition"].text_hash == text_hash("Count my name and deliver it with the petition.")
    assert consents["contact"].text_hash == text_hash("Send me news about this campaign.")
    assert consents["petition"].source == f"signature:{signature.pk}"
    assert set(person.events.values_list("kind", flat=True)) == {
        EngagementEvent.Kind.SIGNED,
        EngagementEvent.Kind.CONFIRMED,
    }
    person.refresh_from_db()
    assert person.ladder_step == "supporter"  # recomputed by the task after commit


def test_the_consent_wording_in_italian_is_the_one_hashed_for_an_italian_signer():
    petition = PetitionFactory()

    signature_submit(
        petition=petition, version=None, name="Anna", email="a@example.org", contact_ok=False, language="it"
    )

    assert Signature.objects.get().consent_text_hash == text_hash(petition.consent_text_it)


def test_two_confirmed_signatures_from_one_mailbox_are_one_person():
    first, second = PetitionFactory(), PetitionFactory()
    SignatureFactory(petition=first, email="Anna.Rossi@gmail.com", token="one")
    SignatureFactory(petition=second, email="annarossi+2@gmail.com", token="two")

    a, b = signature_confirm(token="one"), signature_confirm(token="two")

    assert a.person == b.person
    assert Person.objects.count() == 1


def test_an_expired_link_confirms_nothing():
    SignatureFactory(token="t")

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=15)):
        assert signature_confirm(token="t") is None
    assert Signature.objects.get().status == Signature.Status.UNCONFIRMED


def test_a_voided_signature_cannot_be_confirmed(organiser):
    signature = SignatureFactory(token="t")

    signature_void(signature=signature, reason="fake name", by=organiser)

    assert signature_confirm(token="t") is None
    with pytest.raises(ValidationError):
        signature_void(signature=SignatureFactory(), reason=" ", by=organiser)


def test_a_closed_petition_takes_no_signatures(client):
    petition = PetitionFactory(is_open=False)

    response = _sign(client, petition)

    assert response.status_code == 200 and b"This petition is closed" in response.content
    assert not Signature.objects.exists()
    with pytest.raises(ValidationError):
        signature_submit(
            petition=petition, version=None, name="A", email="a@example.org", contact_ok=False, language="en"
        )


def test_the_honeypot_gets_the_same_answer_and_stores_nothing(client, mailoutbox):
    petition = PetitionFactory()

    response = _sign(client, petition, website="http://spam.example")

    assert response.status_code == 302 and "/thanks/" in response["Location"]
    assert not Signature.objects.exists() and not mailoutbox


def test_a_form_without_consent_is_shown_again_with_an_error(client):
    petition = PetitionFactory()

    response = _sign(client, petition, consent="")

    assert response.status_code == 200
    assert b'aria-invalid="true"' in response.content
    assert not Signature.objects.exists()


@override_settings(CAMPUSVOICE_PUBLIC_FORM_RATE_PER_IP=(3, 600), CAMPUSVOICE_POW_AFTER_PER_IP=100)
def test_too_many_attempts_from_one_address_get_429_with_retry_after(client):
    petition = PetitionFactory()
    for number in range(3):
        assert _sign(client, petition, email=f"p{number}@example.org").status_code == 302

    response = _sign(client, petition, email="p4@example.org")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert Signature.objects.count() == 3
    # Another connection is not affected.
    assert _sign(client, petition, email="p5@example.org", ip="198.51.100.1").status_code == 302


@override_settings(CAMPUSVOICE_PUBLIC_FORM_RATE_PER_ADDRESS=(2, 3600), CAMPUSVOICE_POW_AFTER_PER_IP=100)
def test_one_address_cannot_be_mail_bombed(client, mailoutbox, django_capture_on_commit_callbacks):
    petition = PetitionFactory()

    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = _sign(client, petition, ip=f"198.51.100.{number}")
        assert response.status_code == 302  # the same answer: the cap is silent, it reveals nothing

    assert len(mailoutbox) == 2


@override_settings(CAMPUSVOICE_POW_AFTER_PER_IP=2, CAMPUSVOICE_POW_BITS=4)
def test_under_load_the_form_asks_for_a_proof_of_work_and_accepts_a_solved_one(client):
    petition = PetitionFactory()
    _sign(client, petition, email="one@example.org")

    asked = _sign(client, petition, email="two@example.org")

    assert asked.status_code == 200
    challenge = asked.context["pow_challenge"]
    assert challenge and b"data-pow-challenge" in asked.content and b"petitions/pow.js" in asked.content
    assert not Signature.objects.filter(email="two@example.org").exists()

    solution = throttling.pow_solve(challenge)
    solved = _sign(client, petition, email="two@example.org", pow_challenge=challenge, pow_solution=solution)
    assert solved.status_code == 302
    assert Signature.objects.filter(email="two@example.org").exists()

    # A solution works once.
    replay = _sign(
        client, petition, email="three@example.org", pow_challenge=challenge, pow_solution=solution
    )
    assert replay.status_code == 200 and not Signature.objects.filter(email="three@example.org").exists()


@override_settings(CAMPUSVOICE_POW_BITS=12)
def test_a_wrong_or_forged_proof_of_work_is_refused():
    challenge = throttling.pow_challenge()
    good = throttling.pow_solve(challenge)  # the smallest counter that works

    if good != "0":
        assert not throttling.pow_verify(challenge, "0")
    assert not throttling.pow_verify(challenge[:-1] + ("A" if challenge[-1] != "A" else "B"), good)
    assert throttling.pow_verify(challenge, good)


def test_the_embed_may_be_framed_only_by_the_allowed_hosts(client, settings):
    settings.CAMPUSVOICE_EMBED_ALLOWED_HOSTS = ["https://partner.example"]
    petition = PetitionFactory()

    embed = client.get(reverse("petitions_public:embed", kwargs={"slug": petition.slug}) + "?lang=it")
    page = client.get(_page(petition))

    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors 'self' https://partner.example" in embed["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert "partner.example" not in page["Content-Security-Policy"]
    assert embed["Content-Language"] == "it"


def test_the_embed_signs_without_a_csrf_cookie(mailoutbox, django_capture_on_commit_callbacks):
    from django.test import Client

    petition = PetitionFactory()
    version = PetitionVersionFactory(petition=petition)
    client = Client(enforce_csrf_checks=True)
    url = reverse("petitions_public:embed", kwargs={"slug": petition.slug}) + f"?campus={version.code}"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"name": "A", "email": "a@example.org", "consent": "on"})

    assert response.status_code == 302 and "done=1" in response["Location"]
    assert Signature.objects.get().version == version
    assert b"Check your e-mail" in client.get(response["Location"]).content


def test_share_links_carry_the_campus_attribution(client):
    version = PetitionVersionFactory(code="unibo")

    response = client.get(
        reverse("petitions_public:thanks", kwargs={"lang": "en", "slug": version.petition.slug})
        + "?campus=unibo"
    )

    html = response.content.decode()
    assert "ref=share-unibo" in html and "utm_medium%3Dwhatsapp" in html  # quoted inside the WhatsApp link


def test_the_short_link_redirects_to_the_page_in_the_visitors_language(client):
    petition = PetitionFactory()

    response = client.get(
        reverse("petitions_public:petition-redirect", kwargs={"slug": petition.slug}) + "?ref=poster",
        HTTP_ACCEPT_LANGUAGE="it",
    )

    assert response.status_code == 302
    assert response["Location"] == _page(petition, lang="it") + "?ref=poster"


def test_no_personal_data_reaches_the_logs(client, caplog, django_capture_on_commit_callbacks):
    petition = PetitionFactory()

    with caplog.at_level("DEBUG"), django_capture_on_commit_callbacks(execute=True):
        _sign(client, petition, name="Zebedee Secretname", email="zebedee@example.org")

    assert "zebedee" not in caplog.text.lower() and "secretname" not in caplog.text.lower()


def test_the_reused_form_fields_follow_every_change_they_show(client):
    """The unbound form's fields are rendered once and reused: they must still show the current
    consent wording, campus list and language, and the visitor's campaign tags."""
    petition = PetitionFactory(consent_text_en="Count my name.", consent_text_it="Contate il mio nome.")
    PetitionVersionFactory(petition=petition, university__name="Alpha University")

    first = client.get(_page(petition)).content.decode()
    assert "Count my name." in first and "Alpha University" in first
    assert client.get(_page(petition)).content.decode().count('name="email"') == 1

    petition.consent_text_en = "Count my name and deliver it."
    petition.save()
    PetitionVersionFactory(petition=petition, university__name="Beta College")
    page = client.get(_page(petition)).content.decode()
    assert "Count my name and deliver it." in page and "Beta College" in page

    assert "Contate il mio nome." in client.get(_page(petition, lang="it")).content.decode()
    tagged = client.get(_page(petition) + "?utm_source=flyer").content.decode()
    assert 'name="utm_source" value="flyer"' in tagged


def test_a_refused_submission_shows_the_visitors_values_and_errors_not_the_reused_fields(client):
    petition = PetitionFactory()
    client.get(_page(petition))  # the unbound fields are now rendered and kept

    response = _sign(client, petition, email="not-an-address")

    page = response.content.decode()
    assert response.status_code == 200 and Signature.objects.count() == 0
    assert 'value="not-an-address"' in page and 'aria-invalid="true"' in page


@override_settings(CAMPUSVOICE_PUBLIC_FORM_RATE_PER_ADDRESS=(2, 3600), CAMPUSVOICE_POW_AFTER_PER_IP=100)
def test_an_attempt_the_server_failed_does_not_use_up_the_address_limit(client, monkeypatch):
    # Found by the full-disk fault test: failed writes counted, and the retry got "thank you"
    # with nothing stored.
    from django.db import OperationalError

    from campusvoice.petitions import public_views

    petition = PetitionFactory()
    real_submit = public_views.signing.signature_submit

    def disk_full(**kwargs):
        raise OperationalError("could not extend file: No space left on device")

    monkeypatch.setattr(public_views.signing, "signature_submit", disk_full)
    client.raise_request_exception = False
    for number in range(3):
        assert (
            _sign(client, petition, email="retry@example.org", ip=f"198.51.100.{number}").status_code == 500
        )

    monkeypatch.setattr(public_views.signing, "signature_submit", real_submit)
    assert _sign(client, petition, email="retry@example.org", ip="198.51.100.9").status_code == 302
    assert Signature.objects.filter(email="retry@example.org").count() == 1
    # Successful attempts still count: the cap on mail to one address holds.
    for number in range(3):
        _sign(client, petition, email="retry@example.org", ip=f"198.51.100.{20 + number}")
    assert OutgoingEmail.objects.filter(to="retry@example.org").count() == 2
