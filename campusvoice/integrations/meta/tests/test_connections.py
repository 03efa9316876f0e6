"""Connecting Pages: the admin page, token checks with the fake, tokens encrypted at rest."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.conversations.models import Channel
from campusvoice.integrations.meta import demo
from campusvoice.integrations.meta.fakegraph import (
    DEMO_EXPIRED_TOKEN,
    DEMO_IG_USER_ID,
    DEMO_PAGE_ID,
    DEMO_PAGE_TOKEN,
)
from campusvoice.integrations.meta.models import MetaConnection
from campusvoice.integrations.meta.tokens import TokenKeyError, token_decrypt, token_encrypt

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    return reverse("meta:connection-list")


@pytest.mark.parametrize("role", [None, Role.ORGANISER, Role.MODERATOR, Role.ANALYST])
def test_only_admins_reach_the_connections_page(client_for, url, role):
    response = client_for(role).get(url)

    assert response.status_code in (302, 403)


def test_an_admin_connects_a_page_by_pasting_its_token(client_for, url, fake_graph):
    response = client_for(Role.ADMIN).post(url, {"token": DEMO_PAGE_TOKEN})

    connection = MetaConnection.objects.get()
    assert response.status_code == 200
    assert (connection.page_id, connection.instagram_account_id) == (DEMO_PAGE_ID, DEMO_IG_USER_ID)
    assert connection.channel.kind == Channel.Kind.FACEBOOK_PAGE
    assert connection.instagram_channel.platform_id == DEMO_IG_USER_ID
    assert connection.missing_permissions == []
    assert DEMO_PAGE_TOKEN not in connection.token_encrypted
    assert token_decrypt(connection.token_encrypted) == DEMO_PAGE_TOKEN
    assert DEMO_PAGE_TOKEN.encode() not in response.content
    assert b"Campus Voice Sandbox" in response.content
    assert f"POST /{DEMO_PAGE_ID}/subscribed_apps" in fake_graph.snapshot()["requests"]
    event = AuditEvent.objects.get(object_type="meta_connection")
    assert DEMO_PAGE_TOKEN not in str(event.detail) + event.summary


def test_it_shows_missing_permissions_and_a_short_expiry(client_for, url, fake_graph):
    fake_graph.add_token("short-lived", scopes=["pages_show_list", "pages_read_engagement"], expires_at=1)

    response = client_for(Role.ADMIN).post(url, {"token": "short-lived"})

    content = response.content.decode()
    assert "pages_manage_engagement" in content and "instagram_manage_comments" in content
    assert "This token expires on 1970-01-01" in content
    assert "Webhooks are not subscribed" in content  # no pages_manage_metadata
    assert "short-lived" not in content


def test_it_refuses_an_expired_or_a_user_token_and_says_why(client_for, url, fake_graph):
    expired = client_for(Role.ADMIN).post(url, {"token": DEMO_EXPIRED_TOKEN})
    fake_graph.add_token("user-token", kind="user")
    user = client_for(Role.ADMIN).post(url, {"token": "user-token"})

    assert "expired or was revoked" in expired.content.decode()
    assert "paste a Page access token" in user.content.decode()
    assert MetaConnection.objects.count() == 0
    assert DEMO_EXPIRED_TOKEN not in expired.content.decode()


def test_disconnecting_forgets_the_token(client_for, connection):
    response = client_for(Role.ADMIN).post(reverse("meta:connection-disconnect", args=[connection.pk]))

    connection.refresh_from_db()
    assert response.status_code == 302
    assert connection.status == MetaConnection.Status.DISCONNECTED and connection.token_encrypted == ""


def test_a_moderator_cannot_disconnect(client_for, connection):
    response = client_for(Role.MODERATOR).post(reverse("meta:connection-disconnect", args=[connection.pk]))

    assert response.status_code == 403
    assert MetaConnection.objects.get().status == MetaConnection.Status.ACTIVE


def test_the_webhook_is_public_but_closed_without_a_signature(client):
    assert (
        client.post(reverse("meta:webhook"), data=b"{}", content_type="application/json").status_code == 403
    )
    assert client.get(reverse("meta:webhook")).status_code == 403


def test_tokens_survive_a_key_rotation_and_fail_with_a_wrong_key(settings):
    old_key = settings.CAMPUSVOICE_META_TOKEN_KEY
    stored = token_encrypt("a-page-token")
    new_key = Fernet.generate_key().decode()

    settings.CAMPUSVOICE_META_TOKEN_KEY = f"{new_key},{old_key}"
    assert token_decrypt(stored) == "a-page-token"
    settings.CAMPUSVOICE_META_TOKEN_KEY = new_key
    with pytest.raises(TokenKeyError):
        token_decrypt(stored)
    settings.CAMPUSVOICE_META_TOKEN_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        token_encrypt("a-page-token")


def test_the_demo_connects_to_the_local_fake_server():
    out = io.StringIO()

    connection = demo.load(stdout=out)
    demo.load(stdout=out)

    assert MetaConnection.objects.count() == 1
    assert connection.graph_url == "http://127.0.0.1:8765"
    assert token_decrypt(connection.token_encrypted) == DEMO_PAGE_TOKEN
    assert "refreshed" in out.getvalue()
