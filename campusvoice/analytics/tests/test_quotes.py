"""Quotes in the impact report: consented story excerpts and comments organisers chose for letters."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.analytics import report, services, sources
from campusvoice.conversations.models import Comment
from campusvoice.outreach.tests.factories import LetterFactory
from campusvoice.petitions.models import Story
from campusvoice.petitions.services.stories import story_review, story_withdraw
from campusvoice.petitions.tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_user("mo.moderator@example.org", "x" * 20, role=Role.MODERATOR)


def _story(small, moderator, *, excerpt: str, token: str, **fields) -> Story:
    story = StoryFactory(
        campaign=small.campaign,
        university=small.alpha,
        text="The whole story, kept for moderators",
        token=token,
        **fields,
    )
    return story_review(story=story, status=Story.Status.APPROVED, excerpt=excerpt, by=moderator)


def _letter_quotes(small, *comments):
    letter = LetterFactory(campaign=small.campaign, university=small.alpha)
    letter.quoted_comments.add(*comments)


def _report(small) -> str:
    return report.impact_report_html(
        campaign=small.campaign, period=small.period, language="en", with_quotes=True
    )


def test_it_quotes_the_approved_excerpt_anonymously_never_the_story(small, moderator):
    _story(small, moderator, excerpt="I did not know where to go for help.", token="t-anon")

    quotes = sources.quotes_for(campaign=small.campaign)

    assert quotes == [
        {
            "text": "I did not know where to go for help.",
            "campus": "Alpha University",
            "name": "",
            "kind": "story",
        }
    ]
    html = _report(small)
    assert "I did not know where to go for help." in html
    assert "kept for moderators" not in html


def test_it_names_the_writer_only_when_they_asked_to_be_published_with_their_name(small, moderator):
    _story(
        small,
        moderator,
        excerpt="Talk about consent in the first week.",
        token="t-named",
        consent_quote_anonymously=False,
        consent_publish_named=True,
        display_name="Marta R.",
    )

    html = _report(small)

    assert "Talk about consent in the first week." in html
    assert "— <bdi>Marta R.</bdi>, <bdi>Alpha University</bdi>" in html


def test_a_withdrawn_story_is_never_quoted(small, moderator):
    _story(small, moderator, excerpt="Words I later took back.", token="t-withdraw")
    assert "Words I later took back." in _report(small)

    story_withdraw(token="t-withdraw")

    assert sources.quotes_for(campaign=small.campaign) == []
    assert "Words I later took back." not in _report(small)


def test_stories_not_approved_or_of_another_campaign_are_not_quoted(small):
    StoryFactory(campaign=small.campaign, university=small.alpha, status=Story.Status.NEW, token="t-new")
    StoryFactory(
        campaign=small.campaign, status=Story.Status.REVIEWED, excerpt="Reviewed, not approved", token="t-rev"
    )
    StoryFactory(status=Story.Status.APPROVED, excerpt="Another campaign's story", token="t-other")

    assert sources.quotes_for(campaign=small.campaign) == []


def test_a_comment_chosen_for_a_letter_is_quoted_until_it_is_flagged_a_disclosure(small):
    comment = Comment.objects.filter(on_topic=True, disclosure=False, post__universities=small.alpha).first()
    comment.text, comment.status = "We want a consent workshop in every faculty", Comment.Status.DONE
    comment.save()
    _letter_quotes(small, comment)
    assert "consent workshop in every faculty" in _report(small)

    # A moderator labels it a disclosure after the letter was written.
    Comment.objects.filter(pk=comment.pk).update(disclosure=True)

    assert sources.quotes_for(campaign=small.campaign) == []
    assert "consent workshop in every faculty" not in _report(small)


def test_a_quoted_comment_loses_its_mentions(small):
    comment = Comment.objects.filter(on_topic=True, disclosure=False, post__universities=small.alpha).first()
    Comment.objects.filter(pk=comment.pk).update(
        text="@giulia.rossi and @Marco_99 are right: we need this", status=Comment.Status.DONE
    )
    _letter_quotes(small, comment)

    (quote,) = sources.quotes_for(campaign=small.campaign)

    assert quote["text"] == "@… and @… are right: we need this"


@pytest.mark.parametrize(
    "flag",
    [
        {"disclosure": True},
        {"hostile": True},
        {"spam": True},
        {"is_hidden": True},
        {"on_topic": False},
        {"status": Comment.Status.NEW},  # no moderator has closed it yet
    ],
)
def test_a_chosen_comment_that_is_not_quotable_is_left_out(small, flag):
    comment = Comment.objects.filter(on_topic=True, disclosure=False, post__universities=small.alpha).first()
    Comment.objects.filter(pk=comment.pk).update(
        text="Not for the report", **{"status": Comment.Status.DONE, **flag}
    )
    _letter_quotes(small, comment)

    assert sources.quotes_for(campaign=small.campaign) == []


def test_stories_and_comments_alternate_up_to_the_limit(small, moderator):
    for i in range(4):
        _story(small, moderator, excerpt=f"Story excerpt {i}", token=f"t-{i}")
    comments = list(
        Comment.objects.filter(on_topic=True, disclosure=False, post__universities=small.alpha)[:2]
    )
    for i, comment in enumerate(comments):
        Comment.objects.filter(pk=comment.pk).update(text=f"Comment {i}", status=Comment.Status.DONE)
    _letter_quotes(small, *comments)

    quotes = sources.quotes_for(campaign=small.campaign, limit=5)

    assert [q["kind"] for q in quotes] == ["story", "comment", "story", "comment", "story"]


def test_analysts_see_no_quotes_at_all(client_for, small, moderator):
    services.analytics_refresh()
    _story(small, moderator, excerpt="Only for organisers' copy", token="t-analyst")

    html = (
        client_for(Role.ANALYST).get(reverse("analytics:report", args=[small.campaign.slug])).content.decode()
    )

    assert "Only for organisers" not in html
    assert "Quotes are left out of this copy." in html
