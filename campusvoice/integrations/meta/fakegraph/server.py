"""Run the fake Graph API on a port, in a thread (tests) or in the foreground (the CLI)."""

import logging
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import FakeGraphApp
from .state import FakeState
from .webhooks import WebhookEmitter, WebhookRelay

logger = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    """Logs method and path only: the query string carries access tokens."""

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        logger.debug("fakegraph %s %s %s", self.command, path, code)


class FakeGraphServer:
    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str = "empty",
        webhook_url: str = "",
        webhook_chaos: bool = False,
    ):
        self.state = FakeState(app_id=app_id, app_secret=app_secret)
        self.state.reset(seed)
        self.app = FakeGraphApp(self.state)
        self.server = make_server(host, port, self.app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://{host}:{self.server.server_port}"
        self.emitter = None
        if webhook_url:
            self.emitter = WebhookEmitter(app_secret=app_secret, url=webhook_url)
            relay = WebhookRelay(self.emitter, chaos=webhook_chaos)
            self.state.listeners.append(relay.enqueue)
            self.app.webhook_sink = self.emitter.deliver
        self._thread: threading.Thread | None = None

    def start(self) -> "FakeGraphServer":
        self._thread = threading.Thread(target=self.server.serve_forever, name="fakegraph", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
