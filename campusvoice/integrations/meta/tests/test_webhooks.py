"""The webhook contract, driven by the fake's emitter through Django's test client."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campusvoice.conversations.models import Comment
from campusvoice.integrations.meta.fakegraph import DEMO_IG_USER_ID, DEMO_PAGE_ID
from campusvoice.integrations.meta.fakegraph.webhooks import (
    WebhookEmitter,
    comment_change,
    entry,
    ig_comment_change,
    reaction_change,
)
from campusvoice.integrations.meta.models import WebhookChange, WebhookDelivery

pytestmark = pytest.mark.django_db

POST = f"{DEMO_PAGE_ID}_122131676912594941"
T0 = 1_790_000_000


@pytest.fixture
def url():
    return reverse("meta:webhook")


@pytest.fixture
def emitter(client, url, settings, django_capture_on_commit_callbacks):
    """An emitter whose transport is the test client; on-commit work (the task) runs at once."""

    def transport(body: bytes, headers: dict) -> int:
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data=body, content_type="application/json", headers=extra).status_code

    def get(query: str):
        response = client.get(f"{url}?{query}")
        return response.status_code, response.content.decode()

    return WebhookEmitter(app_secret=settings.CAMPUSVOICE_META_APP_SECRET, transport=transport, get=get)


def add(
    comment_id="941_1001", *, verb="add", message="Grazie per questo post", created=T0, author=None, parent=""
):
    return comment_change(
        post_id=POST,
        comment_id=comment_id,
        verb=verb,
        message=message,
        author=author if author is not None else {"id": "6120000000001", "name": "Giulia R."},
        parent_id=parent,
        created_time=created,
    )


def test_it_answers_the_verification_handshake(emitter, settings):
    assert emitter.handshake(settings.CAMPUSVOICE_META_VERIFY_TOKEN, challenge="1158201444") == (
        200,
        "1158201444",
    )
    assert emitter.handshake("wrong-token")[0] == 403


def test_it_refuses_unsigned_and_forged_deliveries_without_storing_them(emitter):
    body = emitter.body("page", [entry(DEMO_PAGE_ID, [add()], T0)])

    assert emitter.send(body, signed=False) == 403
    assert emitter.send(body, forged=True) == 403
    assert WebhookDelivery.objects.count() == 0


def test_it_signs_the_exact_escaped_bytes_meta_sends(emitter, connection):
    body = emitter.body("page", [entry(DEMO_PAGE_ID, [add(message="Perché è così?")], T0)])

    assert b"\\u00e8" in body and emitter.send(body) == 200
    assert Comment.objects.get().text == "Perché è così?"


def test_it_stores_a_delivery_and_applies_its_comment(emitter, connection):
    statuses = emitter.deliver("page", [entry(DEMO_PAGE_ID, [add()], T0 + 5)])

    comment = Comment.objects.get()
    assert statuses == [200]
    assert (comment.platform_id, comment.author_name, comment.channel) == (
        "941_1001",
        "Giulia R.",
        connection.channel,
    )
    assert comment.post.platform_id == POST
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DONE


def test_a_byte_identical_redelivery_is_one_row_and_one_effect(emitter, connection):
    body = emitter.body("page", [entry(DEMO_PAGE_ID, [add()], T0 + 5)])

    assert [emitter.send(body) for _n in range(3)] == [200, 200, 200]

    delivery = WebhookDelivery.objects.get()
    assert delivery.times_received == 3
    assert Comment.objects.count() == 1
    assert WebhookChange.objects.count() == 1


def test_the_same_change_in_two_deliveries_applies_once(emitter, connection):
    emitter.deliver("page", [entry(DEMO_PAGE_ID, [add()], T0 + 5)])
    emitter.deliver(
        "page", [entry(DEMO_PAGE_ID, [add()], T0 + 9), entry(DEMO_PAGE_ID, [add("941_1002")], T0 + 9)]
    )

    assert WebhookDelivery.objects.count() == 2
    assert WebhookChange.objects.count() == 2
    assert Comment.objects.count() == 2


def test_edits_and_deletions_out_of_order_end_in_the_right_state(emitter, connection):
    add_entry = entry(DEMO_PAGE_ID, [add(created=T0)], T0 + 1)
    edit_entry = entry(DEMO_PAGE_ID, [add(verb="edited", message="Grazie davvero", created=T0)], T0 + 60)
    delete_entry = entry(DEMO_PAGE_ID, [add(verb="remove", message=None, created=T0)], T0 + 120)

    emitter.deliver("page", [delete_entry])
    emitter.deliver("page", [edit_entry])
    emitter.deliver("page", [add_entry])

    comment = Comment.objects.get()
    assert comment.text == "Grazie davvero"
    assert comment.deleted_at is not None and not comment.is_placeholder


def test_two_edits_of_one_comment_are_two_changes(emitter, connection):
    emitter.deliver("page", [entry(DEMO_PAGE_ID, [add()], T0 + 1)])
    emitter.deliver("page", [entry(DEMO_PAGE_ID, [add(verb="edited", message="Primo")], T0 + 10)])
    emitter.deliver("page", [entry(DEMO_PAGE_ID, [add(verb="edited", message="Secondo")], T0 + 20)])

    assert Comment.objects.get().text == "Secondo"
    assert WebhookChange.objects.filter(verb="edited").count() == 2


def test_it_links_replies_and_marks_the_pages_own_comments(emitter, connection):
    parent = add("941_1001")
    reply = add(
        "941_1002", parent="941_1001", author={"id": DEMO_PAGE_ID, "name": "Sandbox"}, created=T0 + 30
    )

    emitter.deliver("page", [entry(DEMO_PAGE_ID, [reply], T0 + 31), entry(DEMO_PAGE_ID, [parent], T0 + 31)])

    page_reply = Comment.objects.get(platform_id="941_1002")
    assert page_reply.is_from_page and page_reply.parent.platform_id == "941_1001"
    assert Comment.objects.get(platform_id="941_1001").first_reply_at is not None


def test_it_skips_items_that_are_not_comments_and_pages_we_do_not_know(emitter, connection):
    reaction = reaction_change(post_id=POST, author={"id": "61", "name": "X"}, created_time=T0)
    post_item = {"field": "feed", "value": {"item": "status", "verb": "add", "post_id": POST}}

    statuses = emitter.deliver(
        "page",
        [entry(DEMO_PAGE_ID, [reaction, post_item], T0), entry("999999", [add("1_2")], T0)],
    )

    assert statuses == [200]
    assert Comment.objects.count() == 0
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DONE


def test_it_applies_instagram_comments(emitter, connection):
    change = ig_comment_change(
        comment_id="17919697626119712",
        media_id="18172143295349192",
        text="Bellissimo",
        author={"id": "17841", "username": "student"},
    )

    emitter.deliver("instagram", [entry(DEMO_IG_USER_ID, [change], T0)])
    emitter.deliver("instagram", [entry(DEMO_IG_USER_ID, [change], T0 + 40)])  # Meta retried it

    comment = Comment.objects.get()
    assert comment.channel == connection.instagram_channel
    assert (comment.author_name, comment.text, comment.post.platform_id) == (
        "student",
        "Bellissimo",
        "18172143295349192",
    )


def test_meta_retries_for_36_hours_and_the_effect_happens_once(client, url, settings, connection):
    """The app stores the first attempt, but its answers get lost until a late retry."""
    answers = []

    def lossy_transport(body, headers):
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        answers.append(
            client.post(url, data=body, content_type="application/json", headers=extra).status_code
        )
        return answers[-1] if len(answers) == 10 else 0  # 0: the answer never reached Meta

    with time_machine.travel("2026-10-01 10:00Z", tick=False) as traveller:
        emitter = WebhookEmitter(
            app_secret=settings.CAMPUSVOICE_META_APP_SECRET,
            transport=lossy_transport,
            sleep=lambda seconds: traveller.shift(timedelta(seconds=seconds)),
        )
        statuses = emitter.deliver("page", [entry(DEMO_PAGE_ID, [add()], T0)])
        last_attempt = timezone.now()

    assert statuses == [0] * 9 + [200] and set(answers) == {200}
    hours = (last_attempt - datetime(2026, 10, 1, 10, tzinfo=UTC)).total_seconds() / 3600
    assert 30 < hours <= 36
    assert WebhookDelivery.objects.get().times_received == 10
    # No on-commit work ran here (as if no worker was up): the sweeper applies it, once, twice over.
    call_command("meta", "process-webhooks", "--all")
    call_command("meta", "process-webhooks", "--all")
    assert Comment.objects.count() == 1
    assert WebhookChange.objects.count() == 1


def test_nothing_is_lost_when_the_worker_dies(client, url, settings, connection):
    body = WebhookEmitter(app_secret=settings.CAMPUSVOICE_META_APP_SECRET).body(
        "page", [entry(DEMO_PAGE_ID, [add()], T0)]
    )
    from campusvoice.integrations.meta.fakegraph.webhooks import signature

    # No on-commit callbacks run: as if the worker died before picking the task up.
    response = client.post(
        url,
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature(body, settings.CAMPUSVOICE_META_APP_SECRET)},
    )
    assert response.status_code == 200 and Comment.objects.count() == 0

    call_command("meta", "process-webhooks")  # younger than two minutes: left for the worker
    assert Comment.objects.count() == 0
    with time_machine.travel(timedelta(minutes=3)):
        call_command("meta", "process-webhooks")

    assert Comment.objects.count() == 1
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DONE


def test_a_change_that_cannot_be_applied_stays_pending_for_a_retry(emitter, connection):
    too_long = "9" * 150  # longer than any comment id: ingestion refuses it

    emitter.deliver("page", [entry(DEMO_PAGE_ID, [add(too_long), add("941_1003")], T0)])

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.error == "1 changes failed"
    assert list(Comment.objects.values_list("platform_id", flat=True)) == ["941_1003"]


def test_an_unreadable_signed_body_is_marked_failed(emitter, connection):
    assert emitter.send(b"not json") == 200

    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED


def test_the_body_is_not_parsed_before_the_signature_holds(client, url):
    response = client.post(
        url, data=b"{", content_type="application/json", headers={"X-Hub-Signature-256": "x"}
    )

    assert response.status_code == 403
    assert WebhookDelivery.objects.count() == 0
