import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.tests.factories import SupportResourceFactory, UniversityFactory
from campusvoice.petitions.models import Story
from campusvoice.petitions.services.stories import story_review, story_withdraw
from campusvoice.petitions.tests.factories import CampaignFactory, StoryFactory

pytestmark = pytest.mark.django_db


def _form_url(campaign, lang="en"):
    return reverse("petitions_public:story-create", kwargs={"lang": lang, "campaign_slug": campaign.slug})


def test_an_anonymous_story_is_stored_and_the_campus_and_country_support_lines_are_shown(client, mailoutbox):
    bologna = UniversityFactory(name="Università di Bologna", country="IT")
    campaign = CampaignFactory()
    campaign.universities.add(bologna)
    SupportResourceFactory(country="IT", name="1522 Numero antiviolenza", phone="1522")
    SupportResourceFactory(country="IT", university=bologna, name="Sportello di ascolto UniBo")
    SupportResourceFactory(country="US", name="RAINN")

    response = client.post(
        _form_url(campaign, "it"),
        {"kind": "story", "text": "It happened in my first year.", "university": bologna.pk},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "1522 Numero antiviolenza" in html and "Sportello di ascolto UniBo" in html
    assert "RAINN" not in html
    assert html.index("Sportello di ascolto UniBo") < html.index("1522 Numero antiviolenza")
    story = Story.objects.get()
    assert (story.status, story.display_name, story.contact_email, story.language) == ("new", "", "", "it")
    assert story.withdrawal_token_hash and "/stories/withdraw/" in html
    assert not mailoutbox  # never answered automatically


def test_a_name_is_kept_only_for_publishing_with_it(client):
    campaign = CampaignFactory()

    client.post(
        _form_url(campaign), {"kind": "opinion", "text": "Consent classes now.", "display_name": "Ada"}
    )
    refused = client.post(
        _form_url(campaign),
        {"kind": "opinion", "text": "Consent classes now.", "consent_publish_named": "on"},
    )

    assert Story.objects.get().display_name == ""
    assert refused.status_code == 200 and Story.objects.count() == 1


def test_the_story_honeypot_stores_nothing(client):
    response = client.post(_form_url(CampaignFactory()), {"kind": "story", "text": "x", "website": "spam"})

    assert response.status_code == 200 and not Story.objects.exists()


@override_settings(CAMPUSVOICE_PUBLIC_FORM_RATE_PER_IP=(2, 600))
def test_the_story_form_is_rate_limited(client):
    campaign = CampaignFactory()
    for _ in range(2):
        client.post(_form_url(campaign), {"kind": "story", "text": "x"})

    response = client.post(_form_url(campaign), {"kind": "story", "text": "x"})

    assert response.status_code == 429 and response["Retry-After"]


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.ANALYST])
def test_organisers_and_analysts_never_see_stories(client_for, role):
    story = StoryFactory()
    client = client_for(role)

    assert client.get(reverse("petitions:story-list")).status_code == 403
    assert client.get(reverse("petitions:story-detail", args=[story.pk])).status_code == 403


def test_a_moderator_reads_a_story_and_the_view_is_audited(client_for):
    story = StoryFactory(text="Something happened at a party.")
    client = client_for(Role.MODERATOR)

    listing = client.get(reverse("petitions:story-list"))
    detail = client.get(reverse("petitions:story-detail", args=[story.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    assert b"Something happened at a party." in detail.content
    assert AuditEvent.objects.filter(action="view", object_type="story", object_id=str(story.pk)).exists()


def test_a_moderator_approves_a_redacted_excerpt(client_for):
    story = StoryFactory()
    client = client_for(Role.MODERATOR)

    response = client.post(
        reverse("petitions:story-detail", args=[story.pk]), {"status": "approved", "excerpt": "At a party…"}
    )

    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.status, story.excerpt) == ("approved", "At a party…")


def test_approval_needs_consent_and_an_excerpt(moderator):
    with pytest.raises(ValidationError):
        story_review(
            story=StoryFactory(consent_quote_anonymously=False), status="approved", excerpt="x", by=moderator
        )
    with pytest.raises(ValidationError):
        story_review(story=StoryFactory(), status="approved", excerpt=" ", by=moderator)


def test_withdrawal_blanks_the_excerpt_and_blocks_any_later_use(moderator):
    story = StoryFactory(token="secret-token")
    story_review(story=story, status="approved", excerpt="At a party…", by=moderator)

    story_withdraw(token="secret-token")

    story.refresh_from_db()
    assert (story.status, story.excerpt, story.consent_quote_anonymously) == ("withdrawn", "", False)
    assert story.withdrawn_at is not None
    with pytest.raises(ValidationError):
        story_review(story=story, status="approved", excerpt="again", by=moderator)
    assert story_withdraw(token="secret-token").status == "withdrawn"  # idempotent
    assert story_withdraw(token="unknown") is None


def test_the_withdrawal_link_asks_first_and_only_the_post_withdraws(client, moderator):
    story = StoryFactory(token="secret-token")
    story_review(story=story, status="approved", excerpt="At a party…", by=moderator)
    url = reverse("petitions_public:story-withdraw", kwargs={"lang": "en", "token": "secret-token"})

    page = client.get(url)
    story.refresh_from_db()
    assert page.status_code == 200 and story.status == "approved"
    assert page["Referrer-Policy"] == "no-referrer"

    done = client.post(url)
    story.refresh_from_db()
    assert done.status_code == 200 and story.status == "withdrawn" and story.excerpt == ""
    assert (
        client.get(
            reverse("petitions_public:story-withdraw", kwargs={"lang": "en", "token": "nope"})
        ).status_code
        == 410
    )
