from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campusvoice.integrations.meta.fakegraph import FakeGraphServer


class Command(BaseCommand):
    help = (
        "Serve the fake Graph API for tests and the demo (in memory, 127.0.0.1 only). Example: "
        "campusvoice fakegraph --port 8765 --seed demo "
        "--webhook-url http://127.0.0.1:8000/integrations/meta/webhook/ --drip --drip-every 5"
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", choices=["demo", "empty"], default="demo")
        parser.add_argument("--webhook-url", default="", help="Send signed webhooks here for every change.")
        parser.add_argument("--webhook-chaos", action="store_true", help="Duplicate, batch and reorder them.")
        parser.add_argument(
            "--drip",
            action="store_true",
            help="Keep adding real public comments (EN and IT, from the demo's data sets) to the sandbox Page.",
        )
        parser.add_argument(
            "--drip-every", type=float, default=5.0, help="Seconds between two drip comments (default: 5)."
        )
        parser.add_argument(
            "--app-secret",
            default="",
            help="Checks appsecret_proof and signs webhooks; defaults to CAMPUSVOICE_META_APP_SECRET.",
        )

    def handle(self, *, port, seed, webhook_url, webhook_chaos, app_secret, drip, drip_every, **options):
        texts = []
        if drip:
            if drip_every <= 0:
                raise CommandError("--drip-every must be more than 0 seconds.")
            from campusvoice.integrations.meta.demo import drip_texts

            try:
                texts = drip_texts()
            except OSError as exc:
                raise CommandError(f"--drip needs the demo's comment data sets: {exc}") from exc
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
        if drip:
            from campusvoice.integrations.meta.fakegraph.drip import Drip

            Drip(server.state, texts=texts, every=drip_every).start()
            self.stdout.write(f"Adding a real public comment every {drip_every:g} s ({len(texts)} texts)")
        self.stdout.write(f"See the Page as Facebook would show it: {server.url}/__fake__/page")
        self.stdout.flush()  # the demo runner waits for the first line
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            server.server.server_close()
