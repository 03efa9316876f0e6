from django.conf import settings
from django.core.management.base import BaseCommand

from campusvoice.integrations.meta.fakegraph import FakeGraphServer


class Command(BaseCommand):
    help = (
        "Serve the fake Graph API for tests and the demo (in memory, 127.0.0.1 only). Example: "
        "campusvoice fakegraph --port 8765 --seed demo "
        "--webhook-url http://127.0.0.1:8000/integrations/meta/webhook/"
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", choices=["demo", "empty"], default="demo")
        parser.add_argument("--webhook-url", default="", help="Send signed webhooks here for every change.")
        parser.add_argument("--webhook-chaos", action="store_true", help="Duplicate, batch and reorder them.")
        parser.add_argument(
            "--app-secret",
            default="",
            help="Checks appsecret_proof and signs webhooks; defaults to CAMPUSVOICE_META_APP_SECRET.",
        )

    def handle(self, *, port, seed, webhook_url, webhook_chaos, app_secret, **options):
        server = FakeGraphServer(
            app_id=settings.CAMPUSVOICE_META_APP_ID,
            app_secret=app_secret or settings.CAMPUSVOICE_META_APP_SECRET,
            port=port,
            seed=seed,
            webhook_url=webhook_url,
            webhook_chaos=webhook_chaos,
        )
        self.stdout.write(f"Fake Graph API on {server.url} (seed: {seed}); Page token: demo-page-token")
        if webhook_url:
            self.stdout.write(f"Webhooks go to {webhook_url}")
        self.stdout.flush()  # the demo runner waits for the first line
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            server.server.server_close()
