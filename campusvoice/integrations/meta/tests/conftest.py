"""The fake Graph API on a free port for the whole run, reset before each test that uses it."""

import json
import urllib.request

import pytest

from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401 - a fixture
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_TOKEN, FakeGraphServer


class FakeGraph:
    """Control helpers over the fake's HTTP control API (`/__fake__/…`)."""

    def __init__(self, server: FakeGraphServer):
        self.server = server
        self.url = server.url
        self.state = server.state

    def control(self, action: str, payload: dict | None = None, *, method: str = "POST") -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/__fake__/{action}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def reset(self, seed: str = "empty") -> None:
        self.control("reset", {"seed": seed})

    def inject(self, **fault) -> None:
        """e.g. inject(code=80001, count=2, match="/comments"); kind defaults to "error"."""
        self.control("faults", {"faults": [fault]})

    def clear_faults(self) -> None:
        self.control("faults", method="DELETE")

    def add_posts(self, count: int = 1, **extra) -> list[str]:
        return self.control("posts", {"count": count, **extra})["ids"]

    def add_comments(self, post_id: str, count: int = 1, **extra) -> list[str]:
        return self.control("comments", {"post_id": post_id, "count": count, "notify": False, **extra})["ids"]

    def add_token(self, token: str, **extra) -> None:
        self.control("tokens", {"token": token, **extra})

    def usage(self, **usage) -> None:
        self.control("usage", usage)

    def snapshot(self) -> dict:
        return self.control("state", method="GET")


@pytest.fixture(scope="session")
def fake_graph_server():
    from django.conf import settings

    server = FakeGraphServer(
        app_id=settings.CAMPUSVOICE_META_APP_ID, app_secret=settings.CAMPUSVOICE_META_APP_SECRET
    ).start()
    yield server
    server.stop()


@pytest.fixture
def fake_graph(fake_graph_server, settings):
    """The fake Graph API, empty but for the sandbox Page, with settings pointing at it."""
    fake = FakeGraph(fake_graph_server)
    fake.reset("empty")
    settings.CAMPUSVOICE_META_GRAPH_URL = fake.url
    yield fake
    fake_graph_server.state.listeners.clear()


@pytest.fixture
def sleeps():
    """Pass `sleep=sleeps.append` to a client: the waits it asked for, without waiting."""
    return []


@pytest.fixture
def connection(fake_graph, admin_user, keyword_classifier):  # noqa: F811
    from campusvoice.integrations.meta.services import connection_connect

    connection, _check = connection_connect(token=DEMO_PAGE_TOKEN, by=admin_user)
    return connection
