"""Reply templates: a sandbox of four variables, errors instead of blanks, and replies only by a person."""

import pytest
from django.core.exceptions import ValidationError

from campusvoice.accounts import access
from campusvoice.accounts.models import Role
from campusvoice.campuses.tests.factories import SupportResourceFactory
from campusvoice.conversations import selectors
from campusvoice.conversations.models import Comment, ReplyTemplate
from campusvoice.conversations.services.replies import (
    ReplyRenderError,
    comment_reply,
    reply_context_for,
    reply_template_render,
)
from campusvoice.conversations.tests.factories import CommentFactory, ReplyTemplateFactory
from campusvoice.conversations.tests.factories_ui import campus_post, disclosure_template
from campusvoice.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _render(body: str, comment: Comment, campus=None) -> str:
    template = ReplyTemplateFactory(body=body)
    return reply_template_render(template=template, context=reply_context_for(comment=comment, campus=campus))


@pytest.fixture
def comment():
    post, _ = campus_post()
    return CommentFactory(post=post)


def test_it_fills_in_the_four_variables(comment, settings):
    text = _render(
        "{{campus.name}} in {{ campus.city }}, from {{ organisation.name }}:\n{{ support_resources }}",
        comment,
    )
    assert text.startswith("Università di Bologna in Bologna, from ")
    assert "- Sportello Università di Bologna: 051 000" in text
    assert "- National line IT: 1522" in text


def test_support_resources_are_the_campus_and_its_country_only(comment):
    SupportResourceFactory(country="US", university=None, name="RAINN")
    SupportResourceFactory(country="IT", university=None, name="Telefono Rosa", website="https://example.org")
    text = _render("{{ support_resources }}", comment)
    assert "RAINN" not in text
    assert "- Telefono Rosa: 800 656 4673, https://example.org" in text
    # The campus's own office comes first.
    assert text.splitlines()[0].startswith("- Sportello")


def test_a_chosen_campus_of_the_post_is_used(comment):
    post = comment.post
    other, _ = campus_post(campus_name="Politecnico di Milano", city="Milano")
    milano = other.universities.get()
    post.universities.add(milano)
    assert _render("{{ campus.name }}", comment, campus=milano) == "Politecnico di Milano"


@pytest.mark.parametrize(
    "body, problem",
    [
        ("{{ campus.secret }}", "Unknown variable {{ campus.secret }}."),
        ("{{ settings.SECRET_KEY }}", "Unknown variable {{ settings.SECRET_KEY }}."),
        ("{{ campus.name|upper }}", "Unknown variable {{ campus.name|upper }}."),
        ("{% load static %}", "Templates cannot contain tags or comments"),
        ("{% debug %}", "Templates cannot contain tags or comments"),
        ("{# hidden #}", "Templates cannot contain tags or comments"),
    ],
)
def test_anything_but_the_four_variables_is_an_error(comment, body, problem):
    with pytest.raises(ReplyRenderError) as error:
        _render(f"Hi {body}", comment)
    assert any(problem in p for p in error.value.problems)


def test_a_missing_value_is_an_error_not_a_blank():
    post, campus = campus_post(city="")
    comment = CommentFactory(post=post)
    with pytest.raises(ReplyRenderError) as error:
        _render("In {{ campus.city }}", comment)
    assert error.value.problems == [f"No city is recorded for {campus.name}."]

    no_campus = CommentFactory()
    with pytest.raises(ReplyRenderError) as error:
        _render("{{ campus.name }} {{ support_resources }}", no_campus)
    assert "The post has no campus" in error.value.problems[0]
    assert "No support resources are recorded" in error.value.problems[1]


def test_the_disclosure_template_is_suggested_for_a_disclosure_in_its_language():
    post, _ = campus_post()
    english, italian = disclosure_template("en"), disclosure_template("it")
    ReplyTemplateFactory(kind=ReplyTemplate.Kind.QUESTION, language="it")
    disclosure = CommentFactory(post=post, disclosure=True, language="it")
    assert selectors.reply_template_suggested(comment=disclosure) == italian
    disclosure.language = "fr"
    assert selectors.reply_template_suggested(comment=disclosure) == english
    assert ReplyTemplate.Kind.DISCLOSURE not in {
        t.kind for t in selectors.reply_templates_for(comment=CommentFactory(post=post))
    }


def test_a_reply_is_queued_pending_and_the_comment_taken(comment, moderator):
    action = comment_reply(comment=comment, text="  We hear you.  ", by=moderator)
    comment.refresh_from_db()
    assert (action.kind, action.text, action.status) == ("reply", "We hear you.", "pending")
    assert (comment.assignee, comment.status) == (moderator, Comment.Status.OPEN)


def test_nobody_but_a_person_replies(comment):
    with pytest.raises(ApplicationError):
        comment_reply(comment=comment, text="Automatic answer", by=None)
    assert comment.outbox_actions.count() == 0


def test_a_disclosure_is_answered_only_by_someone_who_may_read_it(moderator, monkeypatch):
    monkeypatch.setitem(access.CAPABILITIES, "inbox.disclosures", frozenset({Role.ADMIN}))
    disclosure = CommentFactory(disclosure=True)
    with pytest.raises(ApplicationError):
        comment_reply(comment=disclosure, text="We believe you.", by=moderator)


@pytest.mark.parametrize("text", ["", "   ", "Hi {{ campus.name }}", "x" * 8001])
def test_an_empty_unfinished_or_overlong_reply_is_refused(comment, moderator, text):
    with pytest.raises(ValidationError):
        comment_reply(comment=comment, text=text, by=moderator)
