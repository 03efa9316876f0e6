"""Outreach pages: wiring, access for each role, audit of contact details, htmx partials."""

import pytest
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campuses.tests.factories import ContactFactory, UniversityFactory
from campusvoice.outreach.models import Article, Letter, LetterKind, LetterTemplate, Stage
from campusvoice.outreach.services.letters import letter_render
from campusvoice.outreach.tests.factories import (
    ArticleFactory,
    LetterFactory,
    LetterTemplateFactory,
    RelationshipFactory,
)
from campusvoice.petitions.tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR])
def test_analysts_and_moderators_are_refused_everywhere(client_for, role):
    letter = LetterFactory()
    client = client_for(role)
    for url in (
        reverse("outreach:letter-list"),
        reverse("outreach:letter-detail", args=[letter.pk]),
        reverse("outreach:letter-download", args=[letter.pk, "pdf"]),
        reverse("outreach:board", args=[letter.campaign_id]),
        reverse("outreach:article-list"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("outreach:letter-email", args=[letter.pk])).status_code == 403
    assert not letter.deliveries.exists()


def test_an_organiser_saves_a_template_and_a_bad_one_shows_the_variable(client_for):
    client = client_for(Role.ORGANISER)
    data = {"name": "Rector", "kind": "president", "language": "it", "subject": "{{ campaign.name }}"}

    bad = client.post(reverse("outreach:template-create"), {**data, "body": "{{ settings.SECRET_KEY }}"})
    assert bad.status_code == 200 and "settings.SECRET_KEY" in bad.content.decode()
    assert not LetterTemplate.objects.exists()

    good = client.post(
        reverse("outreach:template-create"), {**data, "body": "Gentile {{ recipient.title }},"}
    )
    assert good.status_code == 302 and LetterTemplate.objects.get().language == "it"


def test_an_organiser_prepares_the_batch_and_downloads_it(client_for):
    client = client_for(Role.ORGANISER)
    campaign = CampaignFactory()
    campus = UniversityFactory(chief_admin_name="Chief", chief_admin_title="Rector")
    campaign.universities.add(campus)
    template = LetterTemplateFactory(kind=LetterKind.PRESIDENT)

    response = client.post(
        reverse("outreach:letters-prepare", args=[campaign.pk]), {"president_en": template.pk}
    )

    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.status == Letter.Status.DRAFT and letter.recipient_title == "Rector"
    listing = client.get(reverse("outreach:letter-list"), {"campaign": campaign.pk})
    assert "Rector, " in listing.content.decode()
    archive = client.get(reverse("outreach:letters-zip", args=[campaign.pk, "pdf"]))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    assert letter.deliveries.get().channel == "pdf"


def test_viewing_a_letter_to_a_contact_is_audited_by_id(client_for):
    contact = ContactFactory(name="Rita Rettrice")
    letter = letter_render(letter=LetterFactory(contact=contact, university=contact.university))
    client = client_for(Role.ORGANISER)

    response = client.get(reverse("outreach:letter-detail", args=[letter.pk]))

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW, object_type="campuses.contact")
    assert event.object_id == str(contact.pk) and "Rita" not in event.summary + str(event.detail)


def test_the_board_moves_a_card_with_htmx_and_lists_overdue_steps(client_for):
    import datetime as dt

    relationship = RelationshipFactory(next_step="Send the toolkit", due_on=dt.date(2020, 1, 1))
    client = client_for(Role.ORGANISER)

    board = client.get(reverse("outreach:board", args=[relationship.campaign_id]))
    assert board.status_code == 200
    html = board.content.decode()
    assert "Send the toolkit" in html and "<script" not in html.split("<body", 1)[1]

    moved = client.post(
        reverse("outreach:relationship-move", args=[relationship.pk]),
        {"stage": "replied"},
        HTTP_HX_REQUEST="true",
    )
    assert moved.status_code == 200 and f'id="rel-{relationship.pk}"' in moved.content.decode()
    relationship.refresh_from_db()
    assert relationship.stage == Stage.REPLIED


def test_an_organiser_confirms_an_article_as_coverage(client_for):
    article, campaign = ArticleFactory(), CampaignFactory()
    client = client_for(Role.ORGANISER)

    response = client.post(
        reverse("outreach:article-review", args=[article.pk]),
        {"status": "confirmed", "campaign": campaign.pk},
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.campaign) == (Article.Status.CONFIRMED, campaign)


def test_an_organiser_adds_an_article_by_hand(client_for):
    client = client_for(Role.ORGANISER)
    response = client.post(
        reverse("outreach:article-add"), {"url": "https://paper.example.edu/a", "title": "Consent week recap"}
    )
    assert response.status_code == 302 and Article.objects.get().title == "Consent week recap"


def test_check_now_runs_the_newspaper_task(client_for, django_capture_on_commit_callbacks):
    from campusvoice.outreach.models import WatchedSource

    WatchedSource.objects.create(url="http://10.0.0.1/feed.xml")
    client = client_for(Role.ORGANISER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("outreach:sources-check"))
    assert response.status_code == 302
    assert WatchedSource.objects.get().last_status == "refused"
