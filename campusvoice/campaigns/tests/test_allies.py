"""Allies: edit and delete (with a confirmation first), for organisers and admins only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.campaigns.models import Ally, AllyItem, ContentItem
from campusvoice.campaigns.services import feeds
from campusvoice.campaigns.tests.factories import AllyFactory, AllyItemFactory, ContentItemFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ally_with_a_share():
    ally = AllyFactory(name="Consent Collective", feed_url="https://ally.example.org/feed.xml", etag='"v1"')
    item = AllyItemFactory(ally=ally)
    AllyItemFactory(ally=ally)
    share = ContentItemFactory(ally_item=item, text="Read this.", link="https://ally.example.org/rally?ref=x")
    return ally, share


def _form(ally, **changes):
    data = {
        "name": ally.name,
        "kind": ally.kind,
        "group": "",
        "newspaper": "",
        "website": ally.website,
        "feed_url": ally.feed_url,
    }
    return data | changes


def test_an_organiser_edits_an_ally_and_a_new_feed_forgets_the_old_validators(client_for, ally_with_a_share):
    ally, _share = ally_with_a_share
    client = client_for(Role.ORGANISER)

    page = client.get(reverse("campaigns:ally-update", args=[ally.pk]))
    assert page.status_code == 200 and "Consent Collective" in page.text

    response = client.post(
        reverse("campaigns:ally-update", args=[ally.pk]),
        _form(ally, name="Consent Collective Italia", feed_url="https://ally.example.org/it.xml"),
    )

    assert response.status_code == 302
    ally.refresh_from_db()
    assert (ally.name, ally.feed_url, ally.etag) == (
        "Consent Collective Italia",
        "https://ally.example.org/it.xml",
        "",
    )
    assert ally.items.count() == 2  # what was fetched stays
    event = AuditEvent.objects.get(object_type="campaigns.ally")
    assert event.detail == {"fields": ["feed_url", "name"]}


def test_a_bad_edit_names_the_field_and_changes_nothing(client_for, ally_with_a_share):
    ally, _share = ally_with_a_share

    response = client_for(Role.ORGANISER).post(
        reverse("campaigns:ally-update", args=[ally.pk]), _form(ally, name="", feed_url="not a url")
    )

    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name", "feed_url"}
    ally.refresh_from_db()
    assert ally.name == "Consent Collective" and ally.etag == '"v1"'


def test_the_update_service_refuses_invalid_values():
    ally = AllyFactory(name="A")
    with pytest.raises(ValidationError) as error:
        feeds.ally_update(ally=ally, by=None, feed_url="ftp://nope")
    assert "feed_url" in error.value.error_dict
    ally.refresh_from_db()
    assert ally.feed_url == "http://127.0.0.1:1/feed.xml"


def test_delete_asks_first_saying_what_goes_and_what_stays(client_for, ally_with_a_share):
    ally, _share = ally_with_a_share

    page = client_for(Role.ORGANISER).get(reverse("campaigns:ally-delete", args=[ally.pk]))

    assert page.status_code == 200
    assert "Its 2 fetched items will be deleted." in page.text
    assert "1 post of ours shared its items" in page.text
    assert Ally.objects.filter(pk=ally.pk).exists()  # asking deletes nothing


def test_deleting_removes_the_items_and_keeps_our_shared_posts(client_for, ally_with_a_share):
    ally, share = ally_with_a_share

    response = client_for(Role.ORGANISER).post(reverse("campaigns:ally-delete", args=[ally.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("campaigns:ally-list")
    assert "deleted with 2 fetched items; 1 shared posts kept" in response.text
    assert not Ally.objects.filter(pk=ally.pk).exists()
    assert not AllyItem.objects.filter(ally_id=ally.pk).exists()
    share = ContentItem.objects.get(pk=share.pk)
    assert (share.ally_item, share.text, share.link) == (
        None,
        "Read this.",
        "https://ally.example.org/rally?ref=x",
    )
    event = AuditEvent.objects.get(object_type="campaigns.ally", action=AuditEvent.Action.DELETE)
    assert event.detail == {"items": 2, "shares_kept": 1}


def test_with_htmx_the_confirmation_and_the_result_come_back_in_place(client_for, ally_with_a_share):
    ally, _share = ally_with_a_share
    client = client_for(Role.ADMIN)

    list_page = client.get(reverse("campaigns:ally-list"))
    assert f'hx-get="{reverse("campaigns:ally-delete", args=[ally.pk])}"' in list_page.text

    confirm = client.get(reverse("campaigns:ally-delete", args=[ally.pk]), **HTMX)
    assert confirm.status_code == 200
    assert "<html" not in confirm.text and f'hx-target="#ally-{ally.pk}"' in confirm.text

    done = client.post(reverse("campaigns:ally-delete", args=[ally.pk]), **HTMX)
    assert done.status_code == 200 and "<html" not in done.text
    assert f'id="ally-{ally.pk}"' in done.text and "Consent Collective" in done.text
    assert not Ally.objects.filter(pk=ally.pk).exists()


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ANALYST])
def test_other_roles_can_neither_edit_nor_delete(client_for, ally_with_a_share, role):
    ally, _share = ally_with_a_share
    client = client_for(role)

    assert client.post(reverse("campaigns:ally-delete", args=[ally.pk])).status_code == 403
    assert (
        client.post(reverse("campaigns:ally-update", args=[ally.pk]), _form(ally, name="X")).status_code
        == 403
    )
    ally.refresh_from_db()
    assert ally.name == "Consent Collective"


def test_an_unknown_ally_is_a_404(client_for):
    assert client_for(Role.ORGANISER).get(reverse("campaigns:ally-delete", args=[999999])).status_code == 404
