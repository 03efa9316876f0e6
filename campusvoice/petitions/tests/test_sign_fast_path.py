"""The cheap signing path (issue 7): a cached page with per-visitor strings put in, a confirmation
token derived instead of stored, the e-mail rendered when it is sent, counters in one round trip."""

import re
import secrets

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from campusvoice import ratelimit
from campusvoice.petitions import public_views, selectors, throttling
from campusvoice.petitions.models import OutgoingEmail, Petition, Signature
from campusvoice.petitions.services import mail
from campusvoice.petitions.services.signatures import (
    confirmation_render,
    confirmation_token,
    signature_confirm,
    signature_submit,
    signature_void,
    token_hash,
)
from campusvoice.petitions.tests.factories import PetitionFactory, PetitionVersionFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CHALLENGE = re.compile(rb'data-pow-challenge="([^"]+)"')
NONCE = re.compile(rb'<script src="[^"]*pow\.js" nonce="([^"]+)"')
CONFIRM = re.compile(r"/confirm/([A-Za-z0-9_-]+)/")


def _page(petition, lang="en"):
    return reverse("petitions_public:petition", kwargs={"lang": lang, "slug": petition.slug})


def _submit(petition, email="anna@example.org", **kwargs):
    return signature_submit(
        petition=petition,
        version=None,
        name="Anna Rossi",
        email=email,
        contact_ok=False,
        language="en",
        **kwargs,
    )


def _visitor() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ORIGIN="http://testserver")


@override_settings(CAMPUSVOICE_POW_AFTER_GLOBAL_PER_MINUTE=0, CAMPUSVOICE_POW_BITS=4)
def test_the_cached_page_gives_every_visitor_their_own_token_challenge_and_nonce():
    petition = PetitionFactory()
    anna, ben = _visitor(), _visitor()

    first, second = anna.get(_page(petition)), ben.get(_page(petition))

    assert len(public_views._PAGES) == 1  # the second page came from the cache
    assert first.status_code == second.status_code == 200
    for response, client in ((first, anna), (second, ben)):
        assert "cvslot" not in response.content.decode()
        assert client.cookies["csrftoken"].value  # the page set the visitor's CSRF cookie
        nonce = NONCE.search(response.content).group(1).decode()
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert TOKEN.search(first.content).group(1) != TOKEN.search(second.content).group(1)
    assert CHALLENGE.search(first.content).group(1) != CHALLENGE.search(second.content).group(1)
    assert NONCE.search(first.content).group(1) != NONCE.search(second.content).group(1)
    # Apart from those three strings the two pages are the same bytes.
    strip = [TOKEN, CHALLENGE, NONCE]
    a, b = first.content, second.content
    for pattern in strip:
        a, b = pattern.sub(b"", a), pattern.sub(b"", b)
    assert a == b

    # Each visitor signs with their own token and challenge; the other's token is refused.
    def sign(client, page, email, token_from):
        challenge = CHALLENGE.search(page.content).group(1).decode()
        return client.post(
            _page(petition),
            {
                "name": "A Signer",
                "email": email,
                "consent": "on",
                "csrfmiddlewaretoken": TOKEN.search(token_from.content).group(1).decode(),
                "pow_challenge": challenge,
                "pow_solution": throttling.pow_solve(challenge),
            },
        )

    assert sign(ben, second, "ben@example.org", token_from=first).status_code == 403  # Anna's token
    assert sign(anna, first, "anna@example.org", token_from=first).status_code == 302
    assert list(Signature.objects.values_list("email", flat=True)) == ["anna@example.org"]


def test_the_cached_page_follows_the_counters_and_the_petitions_text(client):
    petition = PetitionFactory(title_en="First words")
    assert b"First words" in client.get(_page(petition)).content

    petition.title_en = "Second words"
    petition.save()
    assert b"Second words" in client.get(_page(petition)).content

    _submit(petition)
    caches["default"].clear()  # the counters' few seconds are over
    assert b"<strong>1</strong> <span>waiting for e-mail confirmation" in client.get(_page(petition)).content


def test_the_kept_petition_follows_every_change_a_public_page_shows(client):
    petition = PetitionFactory()
    first, versions = selectors.public_petition(slug=petition.slug)
    assert first == petition and versions == []
    assert selectors.public_petition(slug=petition.slug)[0] is first  # kept

    Petition.objects.filter(pk=petition.pk).update(is_open=False)  # no save(): no updated_at
    assert selectors.public_petition(slug=petition.slug)[0].is_open is False
    version = PetitionVersionFactory(petition=petition)
    assert selectors.public_petition(slug=petition.slug)[1] == [version]
    version.university.name = "Renamed University"
    version.university.save()
    [kept] = selectors.public_petition(slug=petition.slug)[1]
    assert kept.university.name == "Renamed University"
    assert b"Renamed University" in client.get(_page(petition)).content
    version.delete()
    assert selectors.public_petition(slug=petition.slug)[1] == []
    petition.delete()
    assert client.get(_page(petition)).status_code == 404


def test_a_page_with_a_query_string_is_rendered_for_its_visitor(client):
    petition = PetitionFactory()
    response = client.get(_page(petition) + "?utm_source=facebook&ref=ad-7")
    assert response.status_code == 200 and not public_views._PAGES
    assert b'name="utm_source" value="facebook"' in response.content


def test_the_token_is_derived_from_the_row_and_the_secret_key_and_stored_only_as_a_hash(settings):
    petition = PetitionFactory()
    result = _submit(petition)
    signature = Signature.objects.get(pk=result.signature_id)
    token = confirmation_token(signature)

    assert len(token) >= 43 and token_hash(token) == signature.token_hash
    assert confirmation_token(Signature.objects.get(pk=signature.pk)) == token  # the same after a reload
    assert confirmation_token(signature, secret="another key" * 5) != token
    # No column of any table holds the token in clear.
    with connection.cursor() as cursor:
        for table in ("petitions_signature", "petitions_outgoingemail"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            assert token not in repr(cursor.fetchall())

    # A new link (resubmission) is a new token; the old one no longer confirms.
    _submit(petition)
    signature.refresh_from_db()
    assert confirmation_token(signature) != token
    assert signature_confirm(token=token) is None
    assert signature_confirm(token=confirmation_token(signature)) is not None


def test_the_email_rendered_when_it_is_sent_holds_the_link_that_confirms(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    petition = PetitionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _submit(petition, email="Anna@Example.org")

    email = OutgoingEmail.objects.get()
    assert (email.status, email.body_text, email.body_html) == (OutgoingEmail.Status.SENT, "", "")
    [message] = mailoutbox
    token = CONFIRM.search(message.body).group(1)
    assert token in message.alternatives[0][0]
    assert client.post(reverse("petitions_public:signature-confirm", kwargs={"lang": "en", "token": token}))
    assert Signature.objects.get().status == Signature.Status.CONFIRMED


def test_a_link_queued_before_the_secret_key_was_rotated_still_works(settings):
    petition = PetitionFactory()
    _submit(petition)
    email = OutgoingEmail.objects.get()
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a new key " * 6, [old]

    text, _html = confirmation_render(email)

    assert signature_confirm(token=CONFIRM.search(text).group(1)) is not None


def test_a_confirmation_no_longer_needed_is_not_sent(organiser, mailoutbox):
    petition = PetitionFactory()
    result = _submit(petition)
    signature_void(signature=Signature.objects.get(pk=result.signature_id), reason="fake name", by=organiser)

    email = mail.outgoing_email_send(email_id=OutgoingEmail.objects.get().pk)

    assert email.status == OutgoingEmail.Status.FAILED and not mailoutbox


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@override_settings(TASKS=DB_TASKS)
def test_the_signature_and_its_email_commit_together_and_the_send_task_only_after(
    django_capture_on_commit_callbacks,
):
    petition = PetitionFactory()
    with transaction.atomic():
        result = _submit(petition)
        # One write (one statement on PostgreSQL): the message exists as soon as the signature.
        email = OutgoingEmail.objects.get()
        assert email.object_id == str(result.signature_id) and email.status == OutgoingEmail.Status.QUEUED
        transaction.set_rollback(True)
    assert not Signature.objects.exists() and not OutgoingEmail.objects.exists()
    # Nothing was enqueued for a message that was never committed.
    assert not DBTaskResult.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        _submit(petition)
    email = OutgoingEmail.objects.get()
    assert DBTaskResult.objects.get().args_kwargs["args"] == [email.pk]


@override_settings(TASKS=DB_TASKS, CAMPUSVOICE_MAIL_BATCH_SECONDS=60)
def test_a_rush_of_signatures_gets_one_deferred_send_task_per_process_that_sends_them_all(
    django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    monkeypatch.setattr(mail, "_last_batch", 0.0)
    petition = PetitionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            _submit(petition, email=f"signer{n}@example.org")

    [task] = DBTaskResult.objects.all()
    assert task.task_path.endswith("outgoing_emails_send_due") and task.run_after is not None
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).count() == 5

    mail.outgoing_emails_send_due()  # what the task runs

    assert len(mailoutbox) == 5
    assert not OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists()


@override_settings(TASKS=DB_TASKS, CAMPUSVOICE_MAIL_BATCH_SECONDS=60)
def test_a_failed_enqueue_is_retried_by_the_next_signature_not_skipped(
    django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(mail, "_last_batch", 0.0)
    petition = PetitionFactory()
    from campusvoice.petitions import tasks

    real = tasks.outgoing_emails_send_due

    class QueueDown:
        def get_backend(self):
            return real.get_backend()

        def using(self, **kwargs):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "outgoing_emails_send_due", QueueDown())
    with django_capture_on_commit_callbacks(execute=True):
        _submit(petition, email="first@example.org")  # robust: the signer still gets an answer
    assert Signature.objects.count() == 1 and not DBTaskResult.objects.exists()

    monkeypatch.setattr(tasks, "outgoing_emails_send_due", real)
    with django_capture_on_commit_callbacks(execute=True):
        _submit(petition, email="second@example.org")
    assert DBTaskResult.objects.count() == 1  # the failure did not start a quiet window


@pytest.fixture
def redis_cache(settings):
    """The shared cache in Redis (database 14), as production runs it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "campusvoice.ops.redis_cache.ReusingRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
        }
    }
    return caches["default"]


@pytest.mark.redis
def test_counting_several_limits_in_one_redis_round_trip_counts_like_one_by_one(redis_cache):
    cache = redis_cache
    limit = ratelimit.Limit(3, 600)
    a, b = f"cv:test:{secrets.token_hex(6)}", f"cv:test:{secrets.token_hex(6)}"
    try:
        assert ratelimit.count_and_claim([(a, limit), (b, limit)])[0] == [1, 1]
        assert ratelimit.count(a, limit) == 2  # the same counter, counted the other way
        assert ratelimit.count_and_claim([(a, limit), (b, limit)])[0] == [3, 2]
        assert cache.get(a) == 3
        client = cache._cache.get_client()
        assert 0 < client.ttl(cache.make_and_validate_key(a)) <= 601  # the window expires
    finally:
        cache.delete_many([a, b])


@override_settings(CAMPUSVOICE_PUBLIC_FORM_RATE_PER_IP=(2, 600), CAMPUSVOICE_POW_AFTER_PER_IP=2)
def test_one_check_of_a_submission_gives_the_limit_and_the_puzzle():
    first = throttling.submission_check(ip_key="sign:x")
    assert (first.retry_after, first.pow_needed, first.address_wait) == (None, False, None)
    assert throttling.submission_check(ip_key="sign:x").pow_needed  # busy IP: the puzzle
    third = throttling.submission_check(ip_key="sign:x")
    assert 0 < third.retry_after <= 600 and third.pow_needed


@override_settings(CAMPUSVOICE_PUBLIC_FORM_RATE_PER_ADDRESS=(2, 3600), CAMPUSVOICE_POW_BITS=4)
def test_the_check_counts_the_address_and_uses_up_a_puzzle_once():
    challenge = throttling.pow_challenge()
    solution = throttling.pow_solve(challenge)

    first = throttling.submission_check(ip_key="a", address="h1", challenge=challenge, solution=solution)
    again = throttling.submission_check(ip_key="b", address="h1", challenge=challenge, solution=solution)
    wrong = throttling.submission_check(ip_key="c", address="h2", challenge=challenge, solution="x")

    assert first.pow_solved and not again.pow_solved and not wrong.pow_solved  # single use; checked
    assert (first.address_wait, again.address_wait) == (None, None)
    assert throttling.submission_check(ip_key="d", address="h1").address_wait > 0  # third time
    throttling.give_back(first.address_key)
    throttling.give_back(again.address_key)
    assert throttling.submission_check(ip_key="e", address="h1").address_wait is None
    # The same counters as the one-by-one calls: `hit` sees what the check counted.
    assert throttling.seen("address", "h1") == 2


@pytest.mark.redis
@override_settings(CAMPUSVOICE_POW_BITS=4)
def test_with_redis_the_check_is_one_round_trip_and_agrees_with_pow_verify(redis_cache):
    cache = redis_cache
    cache.clear()
    challenge = throttling.pow_challenge()
    solution = throttling.pow_solve(challenge)
    client = cache._cache.get_client(write=True)
    calls = []
    original = type(client).pipeline

    def counting_pipeline(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    try:
        type(client).pipeline = counting_pipeline
        check = throttling.submission_check(ip_key="r", address="r1", challenge=challenge, solution=solution)
    finally:
        type(client).pipeline = original
    try:
        assert check.pow_solved and calls == [1]
        assert not throttling.pow_verify(challenge, solution)  # the check used it up
        assert throttling.seen("address", "r1") == 1
    finally:
        cache.clear()
