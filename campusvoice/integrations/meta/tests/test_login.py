"""Facebook Login for Business against the fake: dialog, callback, code exchange, picking a Page."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.urls import reverse

from campusvoice.accounts.models import AuditEvent, Role
from campusvoice.integrations.meta.fakegraph import DEMO_IG_USER_ID, DEMO_PAGE_ID, DEMO_PAGE_TOKEN
from campusvoice.integrations.meta.fakegraph.oauth import DEMO_LOGIN_CONFIG_ID, page_token_for
from campusvoice.integrations.meta.models import MetaConnection
from campusvoice.integrations.meta.tokens import token_decrypt

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(fake_graph, settings, keyword_classifier):  # noqa: F811 - keyword_classifier is a fixture
    settings.CAMPUSVOICE_META_DIALOG_URL = fake_graph.url
    settings.SITE_URL = "http://testserver"
    return fake_graph


@pytest.fixture
def admin(client_for):
    return client_for(Role.ADMIN)


def browser() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # straight to the fake on 127.0.0.1, whatever proxies the machine has
    return session


def start(admin) -> tuple[str, dict]:
    """Click "Connect with Facebook": the dialog's URL and its query."""
    response = admin.get(reverse("meta:login-start"))
    assert response.status_code == 302
    location = response["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def consent(dialog_url: str, query: dict, *, decision: str = "allow", pages=(DEMO_PAGE_ID,)) -> str:
    """The person's answer in the fake dialog; returns where Facebook sends them back."""
    page = browser().get(dialog_url, timeout=10)
    assert page.status_code == 200 and "Campus Voice Sandbox" in page.text
    form = {k: query[k] for k in ("client_id", "redirect_uri", "state", "config_id")}
    answer = browser().post(
        dialog_url.split("?")[0],
        data={**form, "decision": decision, "page": list(pages)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def back(admin, location: str):
    """Follow Facebook's redirect to our callback (same host in tests)."""
    split = urlsplit(location)
    assert split.path == reverse("meta:login-callback")
    return admin.get(f"{split.path}?{split.query}")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_admin_connects_the_sandbox_page_with_facebook_login(admin, fake):
    dialog_url, query = start(admin)

    assert dialog_url.startswith(f"{fake.url}/v26.0/dialog/oauth?")
    assert query["config_id"] == DEMO_LOGIN_CONFIG_ID and query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver" + reverse("meta:login-callback")
    assert len(query["state"]) >= 40

    callback = back(admin, consent(dialog_url, query))
    assert callback.status_code == 302 and callback["Location"] == reverse("meta:login-pages")
    user_token = token_decrypt(admin.session["meta_login_held"]["token"])
    assert user_token.startswith("fake-user-")
    assert user_token not in str(dict(admin.session.items()))  # held encrypted only

    choose = admin.get(reverse("meta:login-pages"))
    assert choose.status_code == 200
    assert (
        "Campus Voice Sandbox" in choose.content.decode()
        and "@campusvoice.sandbox" in choose.content.decode()
    )
    assert user_token not in choose.content.decode()

    done = admin.post(reverse("meta:login-pages"), {"page": DEMO_PAGE_ID, "with_instagram": "on"})

    assert done.status_code == 302 and done["Location"] == reverse("meta:connection-list")
    connection = MetaConnection.objects.get()
    assert (connection.page_id, connection.instagram_account_id) == (DEMO_PAGE_ID, DEMO_IG_USER_ID)
    token = token_decrypt(connection.token_encrypted)
    assert token == page_token_for(fake.state, DEMO_PAGE_ID) and token != DEMO_PAGE_TOKEN
    assert token not in connection.token_encrypted
    assert connection.missing_permissions == [] and connection.graph_url == fake.url
    assert "meta_login_held" not in admin.session
    assert f"POST /{DEMO_PAGE_ID}/subscribed_apps" in fake.snapshot()["requests"]
    assert AuditEvent.objects.filter(
        object_type="meta_connection", summary="connected a Facebook Page"
    ).exists()
    assert "Connected Campus Voice Sandbox." in messages_of(done)


def test_the_admin_may_leave_the_instagram_account_out(admin, fake):
    dialog_url, query = start(admin)
    back(admin, consent(dialog_url, query))

    admin.post(reverse("meta:login-pages"), {"page": DEMO_PAGE_ID})

    connection = MetaConnection.objects.get()
    assert connection.instagram_account_id == "" and connection.instagram_channel is None


def test_a_callback_with_another_state_is_refused_and_its_code_never_used(admin, fake):
    dialog_url, query = start(admin)
    location = consent(dialog_url, query)
    forged = location.replace(f"state={query['state']}", "state=someone-elses-state")

    response = back(admin, forged)

    assert response.status_code == 302 and response["Location"] == reverse("meta:connection-list")
    assert "did not start from this page" in messages_of(response)[0]
    assert not any(record["used"] for record in fake.state.oauth["codes"].values())
    assert "meta_login_held" not in admin.session and MetaConnection.objects.count() == 0
    # The state was for one use: the genuine answer, after a forged one, starts over too.
    assert "did not start from this page" in messages_of(back(admin, location))[0]


def test_a_callback_nobody_started_is_refused(admin, fake):
    response = admin.get(reverse("meta:login-callback") + "?code=abc&state=xyz")

    assert "did not start from this page" in messages_of(response)[0]
    assert "meta_login_held" not in admin.session


def test_cancelling_in_the_dialog_connects_nothing_and_says_so(admin, fake):
    dialog_url, query = start(admin)
    location = consent(dialog_url, query, decision="deny")
    assert "error=access_denied" in location and "error_reason=user_denied" in location

    response = back(admin, location)

    assert "You cancelled the Facebook log-in" in messages_of(response)[0]
    assert MetaConnection.objects.count() == 0


def test_a_code_works_once(admin, fake):
    dialog_url, query = start(admin)
    location = consent(dialog_url, query)
    back(admin, location)
    code = parse_qs(urlsplit(location).query)["code"][0]

    # A second log-in (fresh state) that comes back with the old code: Meta refuses it.
    _url, second = start(admin)
    response = admin.get(f"{reverse('meta:login-callback')}?code={code}&state={second['state']}")

    assert "already used" in messages_of(response)[0]


def test_an_expired_code_is_refused_with_a_clear_message(admin, fake):
    dialog_url, query = start(admin)
    location = consent(dialog_url, query)
    for record in fake.state.oauth["codes"].values():
        record["expires_at"] = 0

    response = back(admin, location)

    assert "expired before we could use it" in messages_of(response)[0]
    assert "meta_login_held" not in admin.session


def test_a_wrong_app_secret_is_named(admin, fake, settings):
    dialog_url, query = start(admin)
    location = consent(dialog_url, query)
    settings.CAMPUSVOICE_META_APP_SECRET = "not-the-secret"

    response = back(admin, location)

    assert "CAMPUSVOICE_META_APP_SECRET" in messages_of(response)[0]


def test_sharing_no_page_says_what_to_do(admin, fake):
    dialog_url, query = start(admin)
    back(admin, consent(dialog_url, query, pages=()))

    response = admin.get(reverse("meta:login-pages"))

    assert "You shared no Page" in response.content.decode()


def test_a_page_that_was_not_shared_cannot_be_connected(admin, fake):
    dialog_url, query = start(admin)
    back(admin, consent(dialog_url, query))

    response = admin.post(reverse("meta:login-pages"), {"page": "999"})

    assert response.status_code == 200 and MetaConnection.objects.count() == 0
    assert "999" in response.content.decode()  # the form names the refused choice


def test_the_pick_page_without_a_login_sends_the_admin_back(admin, fake):
    response = admin.get(reverse("meta:login-pages"))

    assert response["Location"] == reverse("meta:connection-list")
    assert "Connect with Facebook" in messages_of(response)[0]


def test_without_a_configuration_id_the_button_explains_what_to_set(admin, fake, settings):
    settings.CAMPUSVOICE_META_LOGIN_CONFIG_ID = ""

    response = admin.get(reverse("meta:login-start"))

    assert response["Location"] == reverse("meta:connection-list")
    assert "CAMPUSVOICE_META_LOGIN_CONFIG_ID" in messages_of(response)[0]


def test_the_pasted_token_path_is_still_offered(admin, fake):
    page = admin.get(reverse("meta:connection-list")).content.decode()

    assert "Connect with Facebook" in page and 'name="token"' in page


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.MODERATOR, Role.ANALYST])
def test_only_admins_may_start_or_finish_a_login(client_for, fake, role):
    client = client_for(role)

    assert client.get(reverse("meta:login-start")).status_code == 403
    assert client.get(reverse("meta:login-callback") + "?code=x&state=y").status_code == 403
