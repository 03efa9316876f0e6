"""Feed fetching against a real HTTP server on 127.0.0.1, in a thread."""

import gzip
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

# Billion laughs: a few hundred bytes that would expand to gigabytes if entities were expanded.
ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
<rss version="2.0"><channel><title>Bomb</title>
<item><guid>urn:bomb</guid><title>&i;</title><link>https://ally.example.org/bomb</link></item>
</channel></rss>"""
MANY = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Busy ally</title>'
    + b"".join(b"<item><guid>urn:m%d</guid><title>Item %d</title></item>" % (n, n) for n in range(500))
    + b"</channel></rss>"
)


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
        if self.path == "/drip.xml":  # a byte at a time, each well within the read timeout
            self.send_response(200)
            self.end_headers()
            try:
                for byte in RSS:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        if self.path == "/gzip-bomb.xml":  # 20 kB on the wire, 20 MB once decompressed
            body = gzip.compress(b"<rss>" + b" " * 20 * 1024 * 1024, compresslevel=9)
            return self._send(200, body, [("Content-Encoding", "gzip")])
        if self.path == "/entity-bomb.xml":
            return self._send(200, ENTITY_BOMB)
        if self.path == "/many.xml":
            return self._send(200, MANY)
        if self.path == "/not-a-feed.xml":
            return self._send(200, b'<?xml version="1.0"?><invoice><total>12</total></invoice>')
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


def test_a_feed_that_drips_bytes_is_cut_off_at_the_total_deadline(server, monkeypatch):
    monkeypatch.setattr(feeds, "TOTAL_SECONDS", 1)
    ally = AllyFactory(feed_url=f"{server.url}/drip.xml")
    started = time.monotonic()

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert "in time" in ally.fetch_error and not AllyItem.objects.exists()
    assert time.monotonic() - started < 3  # the whole feed would take about 20 s


def test_a_compressed_feed_is_capped_by_its_decompressed_size(server, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_BYTES", 1024 * 1024)
    ally = AllyFactory(feed_url=f"{server.url}/gzip-bomb.xml")

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert "larger than" in ally.fetch_error and not AllyItem.objects.exists()


def test_entities_in_a_feed_are_not_expanded_into_a_huge_title(server):
    ally = AllyFactory(feed_url=f"{server.url}/entity-bomb.xml")
    started = time.monotonic()

    feeds.ally_fetch(ally=ally)

    assert time.monotonic() - started < 5
    titles = list(AllyItem.objects.values_list("title", flat=True))
    assert len(titles) <= 1 and not any("aaaaaaaaaa" in title for title in titles)  # "&i;" at most


def test_a_feed_with_hundreds_of_items_stores_only_the_first_fifty(server):
    ally = AllyFactory(feed_url=f"{server.url}/many.xml")

    assert feeds.ally_fetch(ally=ally) == feeds.MAX_ITEMS

    assert AllyItem.objects.filter(ally=ally).count() == feeds.MAX_ITEMS


def test_xml_that_is_not_a_feed_is_an_error_on_the_ally(server):
    ally = AllyFactory(feed_url=f"{server.url}/not-a-feed.xml")

    feeds.ally_fetch(ally=ally)

    ally.refresh_from_db()
    assert ally.fetch_error == "This is not a readable RSS or Atom feed."


def test_a_failed_fetch_keeps_the_items_fetched_before_and_the_next_good_one_clears_the_error(server):
    ally = AllyFactory(feed_url=f"{server.url}/feed.xml")
    feeds.ally_fetch(ally=ally)
    ally.feed_url = f"{server.url}/broken.xml"
    ally.save(update_fields=["feed_url"])

    feeds.ally_fetch(ally=ally)
    ally.refresh_from_db()
    assert ally.fetch_error and AllyItem.objects.filter(ally=ally).count() == 2

    ally.feed_url, ally.etag = f"{server.url}/feed.xml", ""
    ally.save(update_fields=["feed_url", "etag"])
    feeds.ally_fetch(ally=ally)
    ally.refresh_from_db()
    assert ally.fetch_error == "" and AllyItem.objects.filter(ally=ally).count() == 2
