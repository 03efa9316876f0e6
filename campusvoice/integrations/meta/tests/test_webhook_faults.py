"""Meta's worst habits together: the same changes duplicated, out of order and 36 hours late.

The end-to-end version, with hundreds of comments, is `python -m bench faults` (webhooks).
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from campusvoice.conversations.models import Comment
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID
from campusvoice.integrations.meta.fakegraph.webhooks import WebhookEmitter, comment_change, entry
from campusvoice.integrations.meta.models import WebhookChange, WebhookDelivery
from campusvoice.integrations.meta.webhooks import webhook_deliveries_sweep
from campusvoice.ops.tests.test_task_queue_outage import queue_down  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

POST = f"{DEMO_PAGE_ID}_122131676912594941"
T0 = 1_790_000_000


@pytest.fixture
def emitter(client, settings):
    """Posts through the test client; no on-commit work runs, as if no worker were up yet."""

    def transport(body: bytes, headers: dict) -> int:
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        url = reverse("meta:webhook")
        return client.post(url, data=body, content_type="application/json", headers=extra).status_code

    return WebhookEmitter(app_secret=settings.CAMPUSVOICE_META_APP_SECRET, transport=transport)


def change(comment_id: str, verb: str, message: str | None) -> dict:
    return comment_change(
        post_id=POST,
        comment_id=comment_id,
        verb=verb,
        message=message,
        author={"id": "6120000000001", "name": "Giulia R."},
        created_time=T0,
    )


def test_duplicated_reordered_and_36_hours_late_changes_apply_once_in_the_right_order(emitter, connection):
    kept, deleted = "941_2001", "941_2002"
    add_kept = entry(DEMO_PAGE_ID, [change(kept, "add", "first")], T0 + 1)
    old_edit = entry(DEMO_PAGE_ID, [change(kept, "edited", "second")], T0 + 60)
    new_edit = entry(DEMO_PAGE_ID, [change(kept, "edited", "third")], T0 + 90)
    add_deleted = entry(DEMO_PAGE_ID, [change(deleted, "add", "to go")], T0 + 2)
    delete = entry(DEMO_PAGE_ID, [change(deleted, "remove", None)], T0 + 120)

    with time_machine.travel(T0 + 100, tick=False) as traveller:
        # Deletion and newest edit first, each twice, and once more batched with others.
        for body in (delete, new_edit, delete, new_edit):
            assert emitter.send(emitter.body("page", [body])) == 200
        assert emitter.send(emitter.body("page", [new_edit, delete, add_deleted])) == 200
        call_command("meta", "process-webhooks", "--all")
        # 36 hours later Meta's last retries arrive: the creations and the older edit.
        traveller.shift(timedelta(hours=36))
        for body in (old_edit, add_kept, add_deleted, old_edit):
            assert emitter.send(emitter.body("page", [body])) == 200
        call_command("meta", "process-webhooks", "--all")
        call_command("meta", "process-webhooks", "--all")

    assert Comment.objects.count() == 2
    assert Comment.objects.get(platform_id=kept).text == "third"  # the late, older edit lost
    assert Comment.objects.get(platform_id=deleted).deleted_at is not None
    assert WebhookChange.objects.count() == 5  # two adds, two edits, one deletion: each once
    assert not WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.DONE).exists()


@pytest.mark.usefixtures("queue_down")
def test_a_delivery_is_answered_200_and_swept_while_the_task_queue_is_down(
    emitter, connection, django_capture_on_commit_callbacks
):
    body = emitter.body("page", [entry(DEMO_PAGE_ID, [change("941_3001", "add", "while Redis is down")], T0)])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        status = emitter.send(body)

    # Stored, so Meta need not retry; the enqueue failed after the commit and the sweep does it.
    assert callbacks and status == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING
    with time_machine.travel(timedelta(minutes=3)):
        assert webhook_deliveries_sweep() == 1
    assert Comment.objects.get(platform_id="941_3001").text == "while Redis is down"
