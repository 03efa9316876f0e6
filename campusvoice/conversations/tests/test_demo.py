import io

import pytest

from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import University
from campusvoice.conversations import demo
from campusvoice.conversations.models import Comment, OutboxAction, Post, ReplyTemplate
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keyword_classifier")]


@pytest.fixture
def campuses():
    return [
        University.objects.create(name="Example State University", country="US", ipeds_unitid="100654"),
        University.objects.create(name="Università degli Studi di Esempio", country="IT", mur_code="9999"),
    ]


def test_it_loads_a_campaign_posts_and_real_comments_once(campuses, moderator):
    demo.load(stdout=io.StringIO())
    counts = (
        Post.objects.count(),
        Comment.objects.count(),
        ReplyTemplate.objects.count(),
        OutboxAction.objects.count(),
    )

    demo.load(stdout=io.StringIO())

    assert (
        Post.objects.count(),
        Comment.objects.count(),
        ReplyTemplate.objects.count(),
        OutboxAction.objects.count(),
    ) == counts
    campaign = Campaign.objects.get(slug=demo.CAMPAIGN_SLUG)
    assert set(campaign.universities.all()) == set(campuses)
    assert campaign.language_list == ["en", "it"]


def test_each_post_draws_30_to_60_comments_attributed_to_their_data_set(campuses, moderator):
    demo.load(stdout=io.StringIO())

    for post in Post.objects.all():
        visitors = post.comments.filter(is_from_page=False)
        assert 30 <= visitors.count() <= 60
    authors = set(Comment.objects.filter(is_from_page=False).values_list("author_name", flat=True))
    assert authors <= set(demo.SOURCES.values())
    assert "AMI 2018 (public dataset)" in authors
    assert {"AMI 2020 (public dataset)", "HaSpeeDe 2018 (public dataset)"} & authors


def test_the_demo_has_threads_triage_answers_and_closed_comments(campuses, moderator):
    demo.load(stdout=io.StringIO())

    assert Comment.objects.filter(parent__isnull=False, is_from_page=False).exists()
    assert not Comment.objects.filter(triaged_at__isnull=True).exclude(text="").exists()
    assert Comment.objects.filter(first_reply_at__isnull=False).exists()
    assert Comment.objects.filter(status=Comment.Status.DONE).exists()
    assert set(OutboxAction.objects.values_list("status", flat=True)) == {OutboxAction.Status.SENT}
    assert set(Post.objects.values_list("universities__country", flat=True)) == {"US", "IT"}


def test_it_seeds_a_template_per_kind_in_english_and_italian(campuses):
    demo.load(stdout=io.StringIO())

    for kind in ReplyTemplate.Kind.values:
        assert set(ReplyTemplate.objects.filter(kind=kind).values_list("language", flat=True)) == {"en", "it"}
    disclosure = ReplyTemplate.objects.get(kind="disclosure", language="en").body
    assert "{{ support_resources }}" in disclosure and "{{ campus.name }}" in disclosure
    assert "confidential" not in disclosure.lower()
