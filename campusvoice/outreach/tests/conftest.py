"""A local web server in a thread that plays student newspapers, good and bad."""

import functools
import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>The Daily Springfield</title><link>{base}/</link><description>Student news</description>
<item><title>Students demand consent education after Consent Week</title>
<link>{base}/2026/03/consent-education</link>
<description>&lt;p&gt;The student union backed the campaign on sexual assault prevention.&lt;/p&gt;</description>
<pubDate>Tue, 10 Mar 2026 09:00:00 GMT</pubDate></item>
<item><title>Basketball team wins the conference</title><link>{base}/2026/03/basketball</link>
<pubDate>Wed, 11 Mar 2026 09:00:00 GMT</pubDate></item>
<item><title>Molestie in università: gli studenti chiedono uno sportello</title>
<link>{base}/2025/01/molestie</link><pubDate>Mon, 06 Jan 2025 09:00:00 GMT</pubDate></item>
</channel></rss>"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<rss version="2.0"><channel><title>x</title><item><title>consent &g;</title>
<link>http://news.example.edu/bomb</link></item></channel></rss>"""

PAGE = b"""<!doctype html><html><head><title>Ignored title | The Daily</title>
<meta property="og:title" content="Rector answers students on consent">
<meta name="description" content="An interview about the campaign."></head><body>...</body></html>"""

ETAG = '"feed-v1"'


@functools.cache
def gzip_bomb() -> bytes:
    return gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=9)


class NewspaperServer(BaseHTTPRequestHandler):
    requests: list = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, body: bytes, content_type="application/rss+xml", status=200, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):  # noqa: N802 - http.server's naming
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher hung up on purpose (too large, too slow)

    def _route(self):
        type(self).requests.append((self.path, dict(self.headers)))
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.end_headers()
                return
            self._send(RSS.format(base=base).encode(), headers={"ETag": ETAG})
        elif self.path == "/broken.xml":
            self._send(b"<rss><channel><item><title>oops")
        elif self.path == "/not-a-feed":
            self._send(b"<html><body>Hello</body></html>", content_type="text/html")
        elif self.path == "/huge.xml":
            self._send(b"<rss>" + b" " * (3 * 1024 * 1024) + b"</rss>")
        elif self.path == "/huge-chunked.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()  # no Content-Length: the cap must hold while streaming
            for _ in range(48):
                self.wfile.write(b" " * 65536)
        elif self.path == "/slow.xml":
            time.sleep(2)
            self._send(RSS.format(base=base).encode())
        elif self.path == "/drip.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()  # then one byte at a time: each read succeeds, the whole never ends
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        elif self.path == "/gzip-bomb.xml":
            # 64 KB on the wire, 64 MB once inflated: the cap must count inflated bytes.
            self._send(gzip_bomb(), headers={"Content-Encoding": "gzip"})
        elif self.path == "/to-loopback":
            self._redirect(f"http://127.0.0.1:{self.server.server_port}/feed.xml")
        elif self.path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/to-private":
            self._redirect("http://10.0.0.1/feed.xml")
        elif self.path == "/loop":
            self._redirect("/loop")
        elif self.path == "/bomb.xml":
            self._send(BOMB)
        elif self.path == "/article.html":
            self._send(PAGE, content_type="text/html; charset=utf-8")
        else:
            self._send(b"not found", content_type="text/plain", status=404)


@pytest.fixture
def newspaper_server():
    """Base URL of the local newspaper server; loopback fetches are allowed during the test."""
    NewspaperServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), NewspaperServer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with override_settings(CAMPUSVOICE_FETCH_ALLOW_PRIVATE=True):
        yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
