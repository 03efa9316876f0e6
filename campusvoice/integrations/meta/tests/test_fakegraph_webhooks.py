"""The fake server's own webhook relay: every change it sees goes out signed, as Meta would send it."""

import hashlib
import hmac
import json
import threading
import time

from django.conf import settings
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from campusvoice.integrations.meta.client import MetaClient
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID, DEMO_PAGE_TOKEN, FakeGraphServer


class Receiver:
    """A stand-in for our app's endpoint that answers 500 once, then 200."""

    def __init__(self):
        self.bodies: list[tuple[bytes, str]] = []
        self.failed_once = False
        self.server = make_server("127.0.0.1", 0, self.app)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ, start_response):
        request = Request(environ)
        if not self.failed_once:
            self.failed_once = True
            return Response("down", status=500)(environ, start_response)
        self.bodies.append((request.get_data(), request.headers.get("X-Hub-Signature-256", "")))
        return Response("OK")(environ, start_response)


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_fake_relays_signed_webhooks_for_visitors_and_page_replies():
    receiver = Receiver()
    secret = settings.CAMPUSVOICE_META_APP_SECRET
    fake = FakeGraphServer(app_id="1", app_secret=secret, webhook_url=receiver.url).start()
    fake.emitter.schedule = (0, 0.05, 0.05)
    try:
        post = fake.state.add_post(page_id=DEMO_PAGE_ID, message="Sei al sicuro?")
        comment = fake.state.add_comment(
            post_id=post["id"], message="Grazie", author={"id": "7001", "name": "A"}
        )
        client = MetaClient(access_token=DEMO_PAGE_TOKEN, graph_url=fake.url, sleep=lambda s: None)
        client.reply(comment["id"], "Grazie a te")

        assert wait_for(lambda: sum(len(json.loads(b)["entry"]) for b, _s in receiver.bodies) >= 2)
    finally:
        fake.stop()
        receiver.server.shutdown()

    entries = [e for body, _sig in receiver.bodies for e in json.loads(body)["entry"]]
    for body, sig in receiver.bodies:
        assert sig == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert body == json.dumps(json.loads(body), ensure_ascii=True, separators=(",", ":")).encode()
    values = [e["changes"][0]["value"] for e in entries]
    assert [v["verb"] for v in values] == ["add", "add"]
    assert values[0]["from"]["id"] == "7001"
    assert values[1]["from"]["id"] == DEMO_PAGE_ID == entries[1]["id"]  # the Page's own reply
    assert values[1]["parent_id"] == comment["id"]
