"""The inbox pages: who may use them, what they show, and that actions are wired to services."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from campusvoice.accounts import access
from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.conversations.models import Comment, ModeratorLabel, OutboxAction
from campusvoice.conversations.tests.factories import (
    CommentFactory,
    OutboxActionFactory,
    ReplyTemplateFactory,
)
from campusvoice.conversations.tests.factories_ui import campus_post, disclosure_template

pytestmark = pytest.mark.django_db

SECRET = "it happened to me in the library"


def _urls(comment):
    return [
        ("get", reverse("conversations:inbox")),
        ("get", reverse("conversations:disclosures")),
        ("get", reverse("conversations:inbox-poll")),
        ("get", reverse("conversations:inbox-new")),
        ("get", reverse("conversations:metrics")),
        ("get", reverse("conversations:comment-detail", args=[comment.pk])),
        ("get", reverse("conversations:comment-reply", args=[comment.pk])),
        ("post", reverse("conversations:comment-reply", args=[comment.pk])),
        ("post", reverse("conversations:comment-assign", args=[comment.pk])),
        ("post", reverse("conversations:comment-done", args=[comment.pk])),
        ("post", reverse("conversations:comment-reopen", args=[comment.pk])),
        ("post", reverse("conversations:comment-hide", args=[comment.pk])),
        ("post", reverse("conversations:comment-unhide", args=[comment.pk])),
        ("post", reverse("conversations:comment-label", args=[comment.pk])),
        ("post", reverse("conversations:comment-bulk")),
    ]


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORGANISER])
def test_it_refuses_analysts_and_organisers_everywhere_in_the_inbox(client_for, role):
    comment = CommentFactory(text=SECRET, disclosure=True)
    client = client_for(role)

    for method, url in _urls(comment):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert SECRET not in response.content.decode()
    assert comment.outbox_actions.count() == 0
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.NEW


def test_it_sends_anonymous_visitors_to_log_in(client):
    comment = CommentFactory()
    for method, url in _urls(comment):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], url


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_it_lists_open_comments_for_moderators_and_admins(client_for, role):
    CommentFactory(text="Where is the counselling office?")
    CommentFactory(text="An old answered one", status=Comment.Status.DONE)

    response = client_for(role).get(reverse("conversations:inbox"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Where is the counselling office?" in body
    assert "An old answered one" not in body
    assert "js/inbox.js" in body


def test_it_links_the_inbox_in_the_nav_only_for_those_who_may_use_it(client_for):
    assert reverse("conversations:inbox") in client_for(Role.MODERATOR).get(reverse("home")).content.decode()
    assert (
        reverse("conversations:inbox") not in client_for(Role.ANALYST).get(reverse("home")).content.decode()
    )


def test_it_shows_disclosures_in_the_main_queue_with_a_badge(client_for):
    CommentFactory(text=SECRET, disclosure=True)

    body = client_for(Role.MODERATOR).get(reverse("conversations:inbox")).content.decode()

    assert SECRET in body
    assert "badge-disclosure" in body


def test_the_disclosures_tab_lists_only_disclosures(client_for):
    CommentFactory(text=SECRET, disclosure=True)
    CommentFactory(text="Great campaign, thank you")

    body = client_for(Role.MODERATOR).get(reverse("conversations:disclosures")).content.decode()

    assert SECRET in body
    assert "Great campaign" not in body


def test_without_the_disclosure_capability_a_member_never_sees_one(client_for, monkeypatch):
    monkeypatch.setitem(access.CAPABILITIES, "inbox.disclosures", frozenset({Role.ADMIN}))
    disclosure = CommentFactory(text=SECRET, disclosure=True)
    CommentFactory(text="Great campaign, thank you")
    client = client_for(Role.MODERATOR)

    queue = client.get(reverse("conversations:inbox")).content.decode()
    assert "Great campaign" in queue
    assert SECRET not in queue
    assert "Disclosures" not in queue
    assert client.get(reverse("conversations:disclosures")).status_code == 403
    assert client.get(reverse("conversations:comment-detail", args=[disclosure.pk])).status_code == 404
    assert client.post(reverse("conversations:comment-done", args=[disclosure.pk])).status_code == 404
    poll = client.get(
        reverse("conversations:inbox-poll"), {"after": 0, "tab": "disclosures"}
    ).content.decode()
    assert "new comment" not in poll


def test_a_disclosure_thread_keeps_the_text_out_of_the_title_and_suggests_support(client_for):
    post, campus = campus_post()
    disclosure_template()
    comment = CommentFactory(post=post, text=SECRET, disclosure=True, language="en")
    client = client_for(Role.MODERATOR)

    response = client.get(reverse("conversations:comment-detail", args=[comment.pk]))

    body = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert SECRET not in title and "library" not in title
    assert f"#{comment.pk}" in title
    assert "Hide from the public to protect the author" in body
    # The suggested reply is filled in, with the campus's office and the national line, unsent.
    assert f"Sportello {campus.name}" in body and "National line IT" in body
    assert comment.outbox_actions.count() == 0
    assert AuditEvent.objects.filter(action="view", object_type="comment", object_id=str(comment.pk)).exists()


def test_the_thread_shows_post_parent_replies_labels_and_platform_actions(client_for):
    post, campus = campus_post(message="Do you know your campus policy?")
    parent = CommentFactory(post=post, text="Parent comment here")
    comment = CommentFactory(post=post, parent=parent, text="The comment itself", scores={"question": 0.91})
    CommentFactory(post=post, parent=comment, text="Our answer", is_from_page=True)
    OutboxActionFactory(comment=comment, status=OutboxAction.Status.FAILED, error="(#100) Rate limited")
    OutboxActionFactory(
        comment=comment, kind=OutboxAction.Kind.HIDE, text="", status=OutboxAction.Status.PENDING
    )

    body = (
        client_for(Role.MODERATOR)
        .get(reverse("conversations:comment-detail", args=[comment.pk]))
        .content.decode()
    )

    for expected in (
        "Do you know your campus policy?",
        campus.name,
        "Parent comment here",
        "The comment itself",
        "Our answer",
        "0.91",
        "Failed",
        "(#100) Rate limited",
        "Pending",
    ):
        assert expected in body, expected


def test_done_through_htmx_returns_the_row_and_audits_ids_only(client_for):
    comment = CommentFactory(text="Mark me done")

    response = client_for(Role.MODERATOR).post(
        reverse("conversations:comment-done", args=[comment.pk]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "conversations/_comment_row.html"
    assert f'id="comment-row-{comment.pk}"' in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Comment.Status.DONE
    event = AuditEvent.objects.get(action="change", object_type="comment", object_id=str(comment.pk))
    assert "Mark me done" not in str(event.detail) + event.summary


def test_assign_to_me_without_javascript_goes_back_where_the_moderator_was(client_for, moderator):
    comment = CommentFactory()
    client = client_for(Role.MODERATOR)
    back = reverse("conversations:inbox") + "?language=it"

    response = client.post(
        reverse("conversations:comment-assign", args=[comment.pk]), {"assignee": "me", "next": back}
    )

    assert response.status_code == 302 and response["Location"] == back
    comment.refresh_from_db()
    assert comment.assignee == moderator and comment.status == Comment.Status.OPEN


def test_it_never_redirects_to_another_site(client_for):
    comment = CommentFactory()
    response = client_for(Role.MODERATOR).post(
        reverse("conversations:comment-done", args=[comment.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("conversations:comment-detail", args=[comment.pk])


def test_hide_queues_a_platform_action_and_the_row_says_it_is_pending(client_for):
    comment = CommentFactory()

    response = client_for(Role.MODERATOR).post(
        reverse("conversations:comment-hide", args=[comment.pk]), HTTP_HX_REQUEST="true"
    )

    assert comment.outbox_actions.get().kind == OutboxAction.Kind.HIDE
    assert "Hiding…" in response.content.decode()


def test_label_records_the_moderators_word(client_for, moderator):
    comment = CommentFactory()
    client_for(Role.MODERATOR).post(
        reverse("conversations:comment-label", args=[comment.pk]), {"label": "question", "value": "yes"}
    )
    assert ModeratorLabel.objects.get(comment=comment, label="question").value is True
    comment.refresh_from_db()
    assert comment.question is True


def test_bulk_actions_apply_to_the_selected_rows(client_for, moderator):
    first, second, untouched = CommentFactory(), CommentFactory(), CommentFactory()
    client = client_for(Role.MODERATOR)

    client.post(reverse("conversations:comment-bulk"), {"ids": [first.pk, second.pk], "action": "assign_me"})
    client.post(reverse("conversations:comment-bulk"), {"ids": [first.pk], "action": "done"})
    client.post(
        reverse("conversations:comment-bulk"),
        {"ids": [second.pk], "action": "label", "label": "spam", "value": "yes"},
    )

    first.refresh_from_db(), second.refresh_from_db(), untouched.refresh_from_db()
    assert (first.assignee, first.status) == (moderator, Comment.Status.DONE)
    assert (second.assignee, second.spam) == (moderator, True)
    assert untouched.assignee is None and untouched.status == Comment.Status.NEW


def test_bulk_without_a_selection_says_so(client_for):
    client = client_for(Role.MODERATOR)
    response = client.post(reverse("conversations:comment-bulk"), {"action": "done"}, follow=True)
    assert "Select at least one comment." in response.content.decode()


def test_the_poll_counts_new_comments_and_shows_no_text(client_for):
    old = CommentFactory()
    CommentFactory(text=SECRET, disclosure=True)
    CommentFactory(text="Another new one")

    body = (
        client_for(Role.MODERATOR)
        .get(reverse("conversations:inbox-poll"), {"after": old.pk})
        .content.decode()
    )

    assert "2 new comments" in body
    assert SECRET not in body and "Another new one" not in body


def test_showing_new_comments_inserts_their_rows_and_moves_the_poll_on(client_for):
    old = CommentFactory()
    new = CommentFactory(text="Just arrived")

    body = (
        client_for(Role.MODERATOR).get(reverse("conversations:inbox-new"), {"after": old.pk}).content.decode()
    )

    assert f'id="comment-row-{new.pk}"' in body and "Just arrived" in body
    assert f'id="comment-row-{old.pk}"' not in body
    assert f"after={new.pk}" in body and 'hx-swap-oob="true"' in body


def test_the_queue_pages_by_key(client_for):
    for n in range(55):
        CommentFactory(text=f"comment number {n:02d}", priority=n)
    client = client_for(Role.MODERATOR)

    first = client.get(reverse("conversations:inbox"))
    cursor = first.context["page"].next_cursor
    second = client.get(reverse("conversations:inbox"), {"cursor": cursor})

    assert "comment number 54" in first.content.decode()
    assert [c.priority for c in second.context["page"].comments] == [4, 3, 2, 1, 0]
    assert second.context["page"].next_cursor == ""


def test_reply_fills_in_a_template_for_editing(client_for):
    post, campus = campus_post()
    template = ReplyTemplateFactory(
        body="Hello from {{ organisation.name }} at {{ campus.name }}, {{ campus.city }}."
    )
    comment = CommentFactory(post=post)

    response = client_for(Role.MODERATOR).get(
        reverse("conversations:comment-reply", args=[comment.pk]),
        {"template": template.pk},
        HTTP_HX_REQUEST="true",
    )

    assert f"at {campus.name}, Bologna." in response.content.decode()
    assert comment.outbox_actions.count() == 0


def test_reply_shows_why_a_template_cannot_be_filled_in(client_for):
    template = ReplyTemplateFactory(body="See {{ campus.name }} and {{ secret_key }}")
    comment = CommentFactory()  # its post has no campus

    body = (
        client_for(Role.MODERATOR)
        .get(reverse("conversations:comment-reply", args=[comment.pk]), {"template": template.pk})
        .content.decode()
    )

    assert "The post has no campus" in body
    assert "Unknown variable {{ secret_key }}" in body


def test_sending_a_reply_queues_it_for_the_platform(client_for, moderator):
    comment = CommentFactory()
    response = client_for(Role.MODERATOR).post(
        reverse("conversations:comment-reply", args=[comment.pk]), {"text": "Thanks, we're on it."}
    )
    assert response.status_code == 302
    action = comment.outbox_actions.get()
    assert (action.kind, action.text, action.status, action.requested_by) == (
        "reply",
        "Thanks, we're on it.",
        "pending",
        moderator,
    )


def test_an_empty_reply_is_refused(client_for):
    comment = CommentFactory()
    response = client_for(Role.MODERATOR).post(
        reverse("conversations:comment-reply", args=[comment.pk]), {"text": " "}
    )
    assert response.status_code == 422
    assert comment.outbox_actions.count() == 0


def test_comment_text_is_escaped_and_invisible_controls_are_shown(client_for):
    CommentFactory(text="<script>alert(1)</script> abc\u202edcba \u200bzero", author_name="<b>x</b>")

    body = client_for(Role.MODERATOR).get(reverse("conversations:inbox")).content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "\u202e" not in body and "\u200b" not in body
    assert "[U+202E]" in body and "[U+200B]" in body
    assert "&lt;b&gt;x&lt;/b&gt;" in body


def test_a_huge_comment_is_clamped_behind_show_more(client_for):
    CommentFactory(text="word " * 5000)
    body = client_for(Role.MODERATOR).get(reverse("conversations:inbox")).content.decode()
    assert "<details" in body and "Show all 25,000 characters" in body


def test_the_metrics_page_shows_figures(client_for):
    post, _ = campus_post()
    CommentFactory(post=post, on_topic=True)
    response = client_for(Role.MODERATOR).get(reverse("conversations:metrics"))
    assert response.status_code == 200
    assert response.context["metrics"]["posts"][0]["comments"] == 1
    as_of = timezone.localtime(response.context["as_of"]).strftime("%H:%M")
    assert f"Figures as of {as_of}" in response.content.decode()


def test_the_metrics_page_shows_kept_figures_with_their_time(client_for, settings):
    from django.core.cache import cache

    settings.CAMPUSVOICE_METRICS_CACHE_SECONDS = 300
    cache.clear()
    post, _ = campus_post()
    CommentFactory(post=post)
    client = client_for(Role.MODERATOR)
    first = client.get(reverse("conversations:metrics"))
    CommentFactory(post=post)
    kept = client.get(reverse("conversations:metrics"))
    cache.clear()
    assert kept.context["as_of"] == first.context["as_of"]
    assert kept.context["metrics"]["posts"][0]["comments"] == 1
    assert post.platform_id in kept.content.decode()


def test_the_metrics_page_shows_the_last_30_days_unless_asked_for_all_time(client_for):
    CommentFactory(created_time=timezone.now() - dt.timedelta(days=40))
    CommentFactory()
    client = client_for(Role.MODERATOR)

    recent = client.get(reverse("conversations:metrics")).context["metrics"]["posts"]
    everything = client.get(reverse("conversations:metrics"), {"since": ""}).context["metrics"]["posts"]

    assert sum(row["comments"] for row in recent) == 1
    assert sum(row["comments"] for row in everything) == 2
