"""Figures read from the outreach app through its selectors: relationships, articles, quotes."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.analytics import selectors, services
from campusvoice.analytics.tests.conftest import at
from campusvoice.conversations.models import Comment
from campusvoice.outreach.tests.factories import ArticleFactory, LetterFactory, RelationshipFactory

pytestmark = pytest.mark.django_db


def test_it_counts_groups_by_stage_and_confirmed_articles_in_the_period(small):
    RelationshipFactory(campaign=small.campaign, group__university=small.alpha, stage="partner")
    RelationshipFactory(campaign=small.campaign, group__university=small.alpha, stage="contacted")
    ArticleFactory(campaign=small.campaign, university=small.alpha, status="confirmed", published_at=at(9))
    ArticleFactory(campaign=small.campaign, university=small.alpha, status="found", published_at=at(9))

    alpha = selectors.campus_figures(university=small.alpha, campaign=small.campaign, period=small.period)

    assert alpha.groups_by_stage.stages == {"partner": 1, "contacted": 1}
    assert alpha.articles_published.value == 1
    assert alpha.letters_sent.value == 0


def test_only_organisers_see_chosen_quotes_and_never_a_disclosure(client_for, small):
    services.analytics_refresh()
    quotable = Comment.objects.filter(on_topic=True, disclosure=False).first()
    quotable.text = "Our campus needs a real consent course"
    quotable.status = Comment.Status.DONE  # a moderator closed it, as letters require
    quotable.save()
    disclosure = Comment.objects.get(disclosure=True)
    disclosure.text = "Something that happened to me"
    disclosure.save()
    letter = LetterFactory(campaign=small.campaign, university=small.alpha)
    letter.quoted_comments.add(quotable, disclosure)
    url = reverse("analytics:report", args=[small.campaign.slug])

    organiser_html = client_for(Role.ORGANISER).get(url).content.decode()
    analyst_html = client_for(Role.ANALYST).get(url).content.decode()

    assert "a real consent course" in organiser_html
    assert "happened to me" not in organiser_html
    assert "a real consent course" not in analyst_html
