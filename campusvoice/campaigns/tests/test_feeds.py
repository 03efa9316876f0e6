"""Feed fetching against a real HTTP server on 127.0.0.1, in a thread."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from campusvoice.campaigns.models import AllyItem
from campusvoice.campaigns.services import feeds
from campusvoice.campaigns.tests.factories import AllyFactory

pytestmark = pytest.mark.django_db

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Ally</title>
<item><guid>urn:1</guid><title>Rally for consent &lt;b&gt;education&lt;/b&gt;</title>
<link>https://ally.example.org/rally</link><pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Join us on the quad.&lt;/p&gt;</description></item>
<item><guid>urn:2</guid><title>Bad link</title><link>javascript:alert(1)</link></item>
</channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                return self._send(304)
            return self._send(200, RSS, [("ETag", '"v1"'), ("Content-Type", "application/rss+xml")])
        if self.path == "/slow.xml":
            time.sleep(1.5)
            return self._send(200, RSS)
        if self.path == "/huge.xml":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap has to count the bytes
            chunk = b"<x>" + b"a" * 65536 + b"</x>"
            try:
                for _ in range(100):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        if self.path == "/broken.xml":
            return self._send(200, b"<html><body>Not a feed <<<")
        if self.path == "/to-private":
            return self._send(302, headers=[("Location", "http://10.20.30.40/feed.xml")])
        if self.path == "/to-metadata":
            return self._send(302, headers=[("Location", "http://169.254.169.254/latest/meta-data/")])
        if self.path == "/to-feed":
            return self._send(301, headers=[("Location", "/feed.xml")])
        return self._send(404)


@pytest.fixture
def server(settings):
    settings.CAMPUSVOICE_FETCH_ALLOW_PRIVATE = True
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_it_stores_the_items_and_asks_conditionally_next_time(server):
    ally = AllyFactory(feed_url=f"{server.url}/feed.xml")

    assert feeds.ally_fetch(ally=ally) == 2
    assert feeds.ally_fetch(ally=ally) == 0

    first = AllyItem.objects.get(guid="urn:1")
    assert first.title == "Rally for consent education" and first.summary == "Join us on the quad."
    assert first.published_at.year == 2026
    assert AllyItem.objects.get(guid="urn:2").url == ""  # no javascript: links
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    ally.refresh_from_db()
    assert ally.etag == '"v1"' and ally.fetch_error == ""


def test_it_follows_a_redirect_to_a_public_feed(server):
    ally = AllyFactory(feed_url=f"{server.url}/to-feed")

    assert feeds.ally_fetch(ally=ally) == 2


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata"])
def test_it_never_follows_a_redirect_to_a_private_address(server, path):
    ally = AllyFactory(feed_url=f"{server.url}{path}")

    assert feeds.ally_fetch(ally=ally) == 0

    ally.refresh_from_db()
    assert "private network" in ally.fetch_error
    assert [p for p, _h in server.requests] == [path]


def test_loopback_is_refused_unless_the_setting_allows_it(server, settings):
    settings.CAMPUSVOICE_FETCH_ALLOW_PRIVATE = False
    ally = AllyFactory(feed_url=f"{server.url}/feed.xml")

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert "private network" in ally.fetch_error and server.requests == []


def test_a_slow_feed_times_out(server, monkeypatch):
    monkeypatch.setattr(feeds, "TIMEOUT", (1, 0.5))
    ally = AllyFactory(feed_url=f"{server.url}/slow.xml")

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert "in time" in ally.fetch_error and not AllyItem.objects.exists()


def test_a_huge_feed_is_cut_off(server, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_BYTES", 200_000)
    ally = AllyFactory(feed_url=f"{server.url}/huge.xml")

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert "larger than" in ally.fetch_error


@pytest.mark.parametrize("path", ["/broken.xml", "/missing.xml"])
def test_a_broken_feed_is_an_error_on_the_ally(server, path):
    ally = AllyFactory(feed_url=f"{server.url}{path}")

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert ally.fetch_error and not AllyItem.objects.exists()


def test_a_broken_feed_does_not_break_the_page(server, client_for):
    AllyFactory(name="Broken Ally", feed_url=f"{server.url}/broken.xml", fetch_error="This is not a feed.")

    response = client_for("organiser").get("/campaigns/allies/")

    assert response.status_code == 200
    assert "This is not a feed." in response.content.decode()
