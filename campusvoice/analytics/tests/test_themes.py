import pytest
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.analytics import report, services, sources
from campusvoice.conversations.tests.factories import CommentFactory, PostFactory

from .conftest import at

pytestmark = pytest.mark.django_db

ANSWERS = [
    "Better lighting on the paths to the library at night",
    "More lighting near the station, the paths are dark",
    "Night buses and lighting on the paths home",
    "Consent workshops for first-year students",
    "Consent workshops in every faculty please",
    "Workshops on consent before freshers week",
]
# Words no answer uses: if any shows up on a page, a disclosure became a theme.
DISCLOSURE = "Xylophonist neighbour cornered me zanzibar zanzibar zanzibar"


@pytest.fixture
def answered(small):
    question = PostFactory(campaign=small.campaign, published_at=at(7), is_question=True)
    question.universities.add(small.alpha)
    for text in ANSWERS:
        CommentFactory(post=question, created_time=at(8), text=text)
    for _ in range(3):
        CommentFactory(post=question, created_time=at(8), text=DISCLOSURE, disclosure=True)
    CommentFactory(post=question, created_time=at(8), text="Quokka quokka insults", hostile=True)
    CommentFactory(post=question, created_time=at(8), text="Hidden quokka marmalade", is_hidden=True)
    return small


def _labels(themes):
    return " ".join(label for label, _count in themes)


def test_campus_themes_come_from_the_campaigns_themes_service(answered):
    themes = sources.themes_for_campus(campaign=answered.campaign, university_id=answered.alpha.pk)

    assert sum(count for _label, count in themes) == len(ANSWERS)
    assert "lighting" in _labels(themes) and "consent" in _labels(themes)
    assert sources.themes_for_campus(campaign=answered.campaign, university_id=answered.beta.pk) == []
    assert sources.themes_for_campus(campaign=None, university_id=answered.alpha.pk) is None


def test_a_disclosure_hostile_or_hidden_comment_never_becomes_a_theme(answered):
    labels = _labels(sources.themes_for(campaign=answered.campaign)).lower()

    for word in ("xylophonist", "zanzibar", "cornered", "quokka", "marmalade"):
        assert word not in labels


def test_the_campus_page_shows_themes_as_labels_and_counts_only(client_for, answered):
    services.analytics_refresh()
    query = {"campaign": answered.campaign.slug, "date_from": "2026-10-01", "date_to": "2026-10-31"}

    html = (
        client_for(Role.ANALYST)
        .get(reverse("analytics:campus-detail", args=[answered.alpha.pk]), query)
        .content.decode()
    )

    assert "Themes students raised" in html and "lighting" in html
    assert "Better lighting on the paths" not in html  # never an answer's text
    assert "zanzibar" not in html.lower()


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_report_lists_the_campaigns_themes(answered, language):
    services.analytics_refresh()

    html = report.impact_report_html(campaign=answered.campaign, period=answered.period, language=language)

    assert "lighting" in html and "consent" in html
    assert "Not available yet: themes" not in html
    assert "Consent workshops in every faculty" not in html
    assert "zanzibar" not in html.lower() and "xylophonist" not in html.lower()


def test_theme_labels_leave_out_our_names_mentions_and_fillers(settings):
    from campusvoice.campaigns.services import themes
    from campusvoice.conversations.models import Channel

    settings.ORGANISATION_NAME = "CampusVoice"
    Channel.objects.create(kind=Channel.Kind.FACEBOOK_PAGE, platform_id="own", name="Voce del Campus")
    texts = [
        "Forza campusvoice! Sinceramente servono più luci nei parcheggi @marco.rossi",
        "Sinceramente le luci dei parcheggi sono rotte, forza ragazzi",
        "Honestly we really need lighting in the car parks @campusvoice",
        "Davvero, servono corsi sul consenso per le matricole, forza voce",
        "Corsi sul consenso obbligatori per tutte le matricole, sinceramente",
        "Honestly consent workshops for freshers, basically mandatory",
    ]

    labels = " ".join(t.label for t in themes.themes_cluster(texts=texts, k=2)).lower()

    for word in ("campusvoice", "voce", "campus", "forza", "sinceramente", "honestly", "davvero", "marco"):
        assert word not in labels.replace(",", " ").split(), word
    assert "consenso" in labels or "consent" in labels
    assert "parcheggi" in labels or "luci" in labels or "lighting" in labels


def test_theme_labels_are_the_most_distinctive_terms_not_the_most_frequent():
    from campusvoice.campaigns.services import themes

    # "campus" is in every answer: frequent, but it tells the two themes apart not at all.
    texts = [
        "campus lighting paths dark",
        "campus lighting station dark",
        "campus lighting paths night",
        "campus consent workshops freshers",
        "campus consent workshops faculty",
        "campus consent workshops mandatory",
    ]

    found = themes.themes_cluster(texts=texts, k=2)

    assert sorted(t.count for t in found) == [3, 3]
    for theme in found:
        assert theme.terms[0] in ("lighting", "consent", "workshops")
        assert "campus" not in theme.terms[:2]


def test_distinctive_terms_weigh_a_word_shared_by_every_theme_below_a_theme_s_own():
    import numpy
    from scipy.sparse import csr_matrix

    from campusvoice.campaigns.services import themes

    # Columns: shared, own-0, own-1. Two documents per cluster.
    counts = csr_matrix(numpy.array([[3, 1, 0], [3, 1, 0], [3, 0, 1], [3, 0, 1]]))
    weights = themes.distinctive_terms(counts=counts, labels=numpy.array([0, 0, 1, 1]), k=2)

    assert weights[0][1] > weights[0][0] > weights[0][2] == 0
    assert weights[1][2] > weights[1][0]
