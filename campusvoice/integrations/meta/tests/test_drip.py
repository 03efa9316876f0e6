"""The live feed: drip comments reach the inbox through signed webhooks, once; the inbox's replies
and hides show on the fake's read-only Page view."""

import hashlib
import hmac
import re
import urllib.request

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.conversations.models import Comment, OutboxAction
from campusvoice.conversations.outbox import outbox_action_send
from campusvoice.integrations.meta.fakegraph.drip import Drip, DripText
from campusvoice.integrations.meta.fakegraph.webhooks import WebhookEmitter
from campusvoice.integrations.meta.models import WebhookDelivery

pytestmark = pytest.mark.django_db

TEXTS = [
    DripText("Where is the support desk on campus?", "Test data set EN", "en"),
    DripText("Dove trovo lo sportello antiviolenza?", "Test data set IT", "it"),
]


@pytest.fixture
def deliveries(client, settings, django_capture_on_commit_callbacks):
    """Every POST the fake sends, as (body, headers, status), through Django's test client."""

    class Sent(list):
        pass

    sent = Sent()

    def transport(body: bytes, headers: dict) -> int:
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        with django_capture_on_commit_callbacks(execute=True):
            status = client.post(
                reverse("meta:webhook"), data=body, content_type="application/json", headers=extra
            ).status_code
        sent.append((body, headers, status))
        return status

    sent.transport = transport
    return sent


@pytest.fixture
def live(fake_graph, connection, deliveries, settings):
    """The fake's changes go straight to our endpoint, in this thread (the relay's job in the demo)."""
    emitter = WebhookEmitter(app_secret=settings.CAMPUSVOICE_META_APP_SECRET, transport=deliveries.transport)
    fake_graph.state.listeners.append(lambda object_, entry: emitter.deliver(object_, [entry]))
    return emitter


def test_drip_comments_arrive_in_the_inbox_signed_and_exactly_once(fake_graph, live, deliveries, settings):
    fake_graph.add_posts(2)
    drip = Drip(fake_graph.state, texts=TEXTS, every=1, instagram_share=0, reply_share=0, seed=1)

    added = [drip.tick() for _ in range(4)]

    assert [status for _b, _h, status in deliveries] == [200] * 4
    for body, headers, _status in deliveries:
        expected = hmac.new(settings.CAMPUSVOICE_META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Hub-Signature-256"] == f"sha256={expected}"
    comments = Comment.objects.filter(platform_id__in=[c["id"] for c in added])
    assert comments.count() == 4
    # English and Italian in turn; the author is the data set, as in the demo inbox.
    assert sorted(c.text for c in comments) == sorted([t.text for t in TEXTS] * 2)
    assert {c.author_name for c in comments} == {"Test data set EN", "Test data set IT"}

    # Meta redelivers: the same bytes again change nothing.
    for body, _headers, _status in list(deliveries):
        assert live.send(body) == 200
    assert Comment.objects.filter(platform_id__in=[c["id"] for c in added]).count() == 4
    assert set(WebhookDelivery.objects.values_list("times_received", flat=True)) == {2}


def test_drip_replies_and_instagram_comments_arrive_too(fake_graph, live, connection):
    post_id = fake_graph.add_posts(1)[0]
    media = fake_graph.control("media", {"caption": "Campus safety walk"})["id"]
    fake_graph.add_comments(post_id, 1)
    drip = Drip(fake_graph.state, texts=TEXTS, every=1, instagram_share=0, reply_share=1, seed=2)

    reply = drip.tick()
    drip.instagram_share = 1
    on_instagram = drip.tick()

    stored = Comment.objects.get(platform_id=reply["id"])
    assert stored.parent_platform_id == reply["parent_id"] != ""
    ig = Comment.objects.get(platform_id=on_instagram["id"])
    assert ig.channel == connection.instagram_channel and ig.post.platform_id == media


def test_the_drip_refuses_no_texts_and_a_zero_interval(fake_graph):
    with pytest.raises(ValueError, match="at least one text"):
        Drip(fake_graph.state, texts=[])
    with pytest.raises(ValueError, match="more than 0"):
        Drip(fake_graph.state, texts=TEXTS, every=0)


def test_the_drip_runs_in_the_background_until_its_limit(fake_graph):
    fake_graph.add_posts(1)
    drip = Drip(fake_graph.state, texts=TEXTS, every=0.01, limit=3, instagram_share=0).start()
    drip._thread.join(timeout=5)

    assert drip.added == 3 and fake_graph.snapshot()["comment_count"] == 3


def test_replies_and_hides_from_the_inbox_show_on_the_fake_page(fake_graph, live, connection, admin_user):
    fake_graph.add_posts(1)
    drip = Drip(fake_graph.state, texts=TEXTS, every=1, instagram_share=0, reply_share=0, seed=3)
    first, second = drip.tick(), drip.tick()
    fake_graph.state.listeners.clear()  # the fake's own server thread answers the outbox below
    one = Comment.objects.get(platform_id=first["id"])
    two = Comment.objects.get(platform_id=second["id"])

    reply = OutboxAction.objects.create(
        comment=one,
        kind=OutboxAction.Kind.REPLY,
        text="Thank you <3, here is the desk",
        requested_by=admin_user,
    )
    hide = OutboxAction.objects.create(comment=two, kind=OutboxAction.Kind.HIDE, requested_by=admin_user)
    assert outbox_action_send(action_id=reply.pk).status == OutboxAction.Status.SENT
    assert outbox_action_send(action_id=hide.pk).status == OutboxAction.Status.SENT

    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        f"{fake_graph.url}/__fake__/page", timeout=10
    ) as response:
        page = response.read().decode()
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Thank you &lt;3, here is the desk" in page and "Page reply" in page  # escaped
    assert f'<li class="hidden" id="c{second["id"]}">' in page
    assert f'<li class="" id="c{first["id"]}">' in page


def test_an_open_inbox_learns_of_drip_comments_by_polling_without_a_reload(fake_graph, live, client_for):
    fake_graph.add_posts(1)
    moderator = client_for(Role.MODERATOR)
    inbox = moderator.get(reverse("conversations:inbox")).content.decode()
    poll_url = re.search(r'hx-get="([^"]*inbox/poll[^"]*)"', inbox).group(1).replace("&amp;", "&")
    drip = Drip(fake_graph.state, texts=TEXTS, every=1, instagram_share=0, reply_share=0, seed=4)

    drip.tick()
    drip.tick()

    poll = moderator.get(poll_url).content.decode()  # what htmx asks every 12 s
    assert "2 new comments" in poll and TEXTS[0].text not in poll
    new_rows = re.search(r'hx-get="([^"]*)"', poll).group(1).replace("&amp;", "&")
    rows = moderator.get(new_rows).content.decode()
    assert TEXTS[0].text in rows and TEXTS[1].text in rows


def test_the_command_refuses_a_zero_drip_interval_before_serving():
    with pytest.raises(CommandError, match="--drip-every must be more than 0 seconds"):
        call_command("fakegraph", "--drip", "--drip-every=0", "--port=0")
