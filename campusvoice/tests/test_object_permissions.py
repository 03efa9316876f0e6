"""Guessing an id does not open what a role may not read.

The role matrix proves each URL's capability with one object; these tests take the objects a
role must never see (a disclosure, a survivor's story, a person's record, another petition's
signature) and open them by id, through the pages and the API, as every role without the right.
"""

import pytest
from django.test import Client
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.api import services as api_services
from campusvoice.conversations.models import Comment
from campusvoice.conversations.tests.factories import CommentFactory
from campusvoice.petitions.models import Story
from campusvoice.petitions.tests.factories import PetitionFactory, SignatureFactory, StoryFactory
from campusvoice.supporters.tests.factories import PersonFactory, TagFactory
from conftest import login_as

pytestmark = pytest.mark.django_db

SECRET = "canary-disclosure-7f3a"


@pytest.fixture
def members(admin_user, organiser, moderator, analyst):
    return {str(user.role): user for user in (admin_user, organiser, moderator, analyst)}


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.ANALYST])
def test_a_disclosure_opened_by_id_is_refused_to_roles_without_the_inbox(client, members, role):
    disclosure = CommentFactory(text=SECRET, disclosure=True)
    reply = CommentFactory(post=disclosure.post, parent=disclosure, text=SECRET + " reply")
    login_as(client, members[role])

    pages = [reverse("conversations:comment-detail", kwargs={"pk": pk}) for pk in (disclosure.pk, reply.pk)]
    pages += [reverse("conversations:inbox") + "?q=canary", reverse("conversations:disclosures")]
    actions = [
        (reverse("conversations:comment-label", kwargs={"pk": disclosure.pk}), {"label": "on_topic"}),
        (reverse("conversations:comment-hide", kwargs={"pk": disclosure.pk}), {}),
        (reverse("conversations:comment-reply", kwargs={"pk": disclosure.pk}), {"text": "hello"}),
        (reverse("conversations:comment-assign", kwargs={"pk": disclosure.pk}), {}),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert SECRET not in response.content.decode()
    for url, data in actions:
        assert client.post(url, data).status_code == 403, url
    disclosure.refresh_from_db()
    assert (disclosure.disclosure, disclosure.status, disclosure.is_hidden) == (
        True,
        Comment.Status.NEW,
        False,
    )


def test_a_moderator_reads_the_disclosure_that_the_others_are_refused(client, members):
    disclosure = CommentFactory(text=SECRET, disclosure=True)
    login_as(client, members[Role.MODERATOR])

    response = client.get(reverse("conversations:comment-detail", kwargs={"pk": disclosure.pk}))

    assert response.status_code == 200 and SECRET in response.content.decode()


def test_a_comment_id_that_does_not_exist_is_a_404_not_an_error(client, members):
    login_as(client, members[Role.MODERATOR])

    assert client.get(reverse("conversations:comment-detail", kwargs={"pk": 987654321})).status_code == 404


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.ANALYST])
def test_a_story_opened_by_id_is_refused_to_roles_that_do_not_read_disclosures(client, members, role):
    story = StoryFactory(text=SECRET)
    login_as(client, members[role])
    url = reverse("petitions:story-detail", kwargs={"pk": story.pk})

    get = client.get(url)
    post = client.post(url, {"status": "published", "excerpt": SECRET})

    assert (get.status_code, post.status_code) == (403, 403)
    assert SECRET not in get.content.decode()
    story.refresh_from_db()
    assert story.status == Story.Status.NEW and story.excerpt != SECRET


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_people_and_signatures_by_id_are_refused_to_roles_without_the_capability(client, members, role):
    person = PersonFactory()
    signature = SignatureFactory()
    tag = TagFactory()
    login_as(client, members[role])
    pages = [
        reverse("supporters:person-detail", kwargs={"pk": person.pk}),
        reverse("privacy:person", kwargs={"pk": person.pk}),
        reverse("petitions:signature-list", kwargs={"pk": signature.petition_id}),
    ]

    assert {url: client.get(url).status_code for url in pages} == dict.fromkeys(pages, 403)

    token = api_services.api_token_create(user=members[role], name="tests")[1]
    api = Client(headers={"OSDI-API-Token": token})
    urls = [
        reverse("api:person-detail", kwargs={"pk": person.pk}),
        reverse("api:signature-list", kwargs={"petition_pk": signature.petition_id}),
        reverse("api:signature-detail", kwargs={"petition_pk": signature.petition_id, "pk": signature.pk}),
        reverse("api:tagging-list", kwargs={"tag_pk": tag.pk}),
    ]
    answers = {url: api.get(url) for url in urls}
    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(urls, 403)
    assert not any(signature.email in r.content.decode() for r in answers.values())
    assert api.put(urls[0], {"given_name": "X"}, content_type="application/json").status_code == 403


def test_a_signature_id_under_another_petitions_url_is_a_404(members):
    signature = SignatureFactory()
    other = PetitionFactory()
    token = api_services.api_token_create(user=members[Role.ORGANISER], name="tests")[1]
    api = Client(headers={"OSDI-API-Token": token})

    mine = api.get(
        reverse("api:signature-detail", kwargs={"petition_pk": signature.petition_id, "pk": signature.pk})
    )
    crossed = api.get(reverse("api:signature-detail", kwargs={"petition_pk": other.pk, "pk": signature.pk}))

    assert mine.status_code == 200
    assert crossed.status_code == 404 and signature.email not in crossed.content.decode()


def test_a_merged_persons_old_id_points_to_the_kept_record_and_is_gone_from_the_api(client, members):
    kept = PersonFactory()
    merged = PersonFactory(merged_into=kept)
    login_as(client, members[Role.ORGANISER])
    token = api_services.api_token_create(user=members[Role.ORGANISER], name="tests")[1]

    page = client.get(reverse("supporters:person-detail", kwargs={"pk": merged.pk}))
    api = Client(headers={"OSDI-API-Token": token}).get(
        reverse("api:person-detail", kwargs={"pk": merged.pk})
    )

    # The page stays (a merge can be undone) but only says where the person went.
    assert page.status_code == 200 and "This person was merged into" in page.content.decode()
    assert api.status_code == 404


def test_another_members_api_token_cannot_be_revoked_by_guessing_its_id(client, members):
    _token, raw = api_services.api_token_create(user=members[Role.ANALYST], name="theirs")
    login_as(client, members[Role.ORGANISER])

    response = client.post(reverse("api_tokens:token-revoke", kwargs={"pk": _token.pk}))

    assert response.status_code == 404
    api = Client(headers={"OSDI-API-Token": raw})
    assert api.get(reverse("api:entry-point")).status_code == 200
