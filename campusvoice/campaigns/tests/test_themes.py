import pytest

from campusvoice.campaigns.services import themes
from campusvoice.campaigns.tests.factories import CampaignFactory
from campusvoice.campuses.tests.factories import UniversityFactory
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db

ANSWERS = [
    "Where is the Title IX office on campus?",
    "How do I find the Title IX office?",
    "The Title IX office never answered my email",
    "We need consent workshops for freshmen",
    "Consent workshops should be mandatory",
    "Dove si trova lo sportello antiviolenza?",
    "Lo sportello antiviolenza è chiuso il venerdì",
]


@pytest.fixture
def setup():
    campaign = CampaignFactory()
    university = UniversityFactory()
    campaign.universities.add(university)
    post = PostFactory(campaign=campaign, is_question=True)
    post.universities.add(university)
    for text in ANSWERS:
        CommentFactory(post=post, text=text)
    return campaign, university, post


def test_answers_are_grouped_into_labelled_themes_the_same_way_each_time(setup):
    campaign, _university, _post = setup

    first = themes.campaign_themes(campaign=campaign, k=3)
    second = themes.campaign_themes(campaign=campaign, k=3)

    assert first == second
    labels = [t.label for t in first[0].themes]
    assert sum(t.count for t in first[0].themes) == len(ANSWERS)
    assert any("office" in label for label in labels) and any("consent" in label for label in labels)


def test_disclosures_abuse_spam_our_replies_and_other_posts_never_enter_a_theme(setup):
    campaign, university, post = setup
    CommentFactory(post=post, text="Someone assaulted me in the dorm last year", disclosure=True)
    CommentFactory(post=post, text="Thanks for asking, see our pinned post", is_from_page=True)
    CommentFactory(post=post, text="You are all idiots", hostile=True)
    CommentFactory(post=post, text="Buy followers now", spam=True)
    other = PostFactory(campaign=campaign, is_question=False)
    other.universities.add(university)
    CommentFactory(post=other, text="Not an answer to a question")

    texts = themes.answers_for(campaign=campaign, university_id=university.pk)

    assert sorted(texts) == sorted(ANSWERS)


def test_the_csv_has_themes_and_counts_but_no_text_or_author(setup):
    campaign, _university, _post = setup

    exported = themes.themes_csv(campaign=campaign, k=2)

    assert exported.splitlines()[0] == "campus,theme,terms,answers"
    assert "Test Commenter" not in exported and "never answered" not in exported
